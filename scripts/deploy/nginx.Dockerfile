# Stands in for nginx:1.27-alpine (scripts/deploy/build-images.sh): Debian's nginx, which reads
# /etc/nginx/conf.d/*.conf inside http {} like the official image; its default site is removed.
FROM doclayout-local/debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-light \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
