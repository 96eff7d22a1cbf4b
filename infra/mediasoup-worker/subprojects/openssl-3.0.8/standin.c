/* Intentionally empty: mediasoup link_whole()s this library; the Debian one comes through the dependency object. */
