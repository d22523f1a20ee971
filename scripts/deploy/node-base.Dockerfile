# Stands in for node:24-bookworm-slim where no registry is reachable (scripts/deploy/build-images.sh):
# the Debian base plus this machine's node and npm in /usr/local, and its CA bundle for npm.
FROM doclayout-local/debian:bookworm
COPY usr/local /usr/local
COPY etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
