"""The Gradescope autograder zip: the kit's own wheel, the scripts Gradescope runs, the rubric and pins."""
