# Stands in for redis:7.2-alpine (scripts/deploy/build-images.sh): Debian's redis-server and
# redis-cli, running as the redis user in /data like the official image.
FROM doclayout-local/debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data \
 && chown redis:redis /data
WORKDIR /data
USER redis
CMD ["redis-server"]
