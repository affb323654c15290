# The Fairway image for machines with a Docker engine (`docker build -t fairway:0.1.0 .`), in the
# layout tools/image.sh builds without one: Debian bookworm with only the shared libraries of
# `fairway` and `kubectl-fairway` (in /usr/local/bin), user 65532 (nonroot), the OCI labels,
# entrypoint `fairway`, command `operator`.
#   docker build --build-arg REVISION="$(git rev-parse HEAD)" -t fairway:0.1.0 .

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libssl-dev zlib1g-dev nlohmann-json3-dev libyaml-cpp-dev \
      prometheus-cpp-dev libcivetweb-dev libboost-dev libldap-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DFAIRWAY_BUILD_TESTS=OFF \
      -DFAIRWAY_BUILD_BENCH=OFF \
 && cmake --build /build -j "$(nproc)" --target fairway kubectl-fairway

FROM debian:bookworm-slim
ARG VERSION=0.1.0
ARG REVISION=unknown
# The packages owning the libraries the binaries load (the list tools/image.sh derives with ldd).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libcivetweb1 libprometheus-cpp-core1.0 libssl3 libyaml-cpp0.7 zlib1g \
      libldap-2.5-0 libsasl2-2 libgnutls30 libffi8 libgmp10 libhogweed6 libidn2-0 libnettle8 \
      libp11-kit0 libtasn1-6 libunistring2 \
 && rm -rf /var/lib/apt/lists/* \
 && echo "nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin" >>/etc/passwd \
 && echo "nonroot:x:65532:" >>/etc/group \
 && install -d -o 65532 -g 65532 -m 0750 /home/nonroot
COPY --from=build /build/operator/fairway /build/tools/kubectl-fairway/kubectl-fairway \
     /usr/local/bin/
LABEL org.opencontainers.image.title="fairway" \
      org.opencontainers.image.description="Slurm semantics for the GPU nodes of a Kubernetes cluster: operator and kubectl plugin" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/fairway-dev/fairway" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
USER 65532:65532
WORKDIR /home/nonroot
EXPOSE 8080 9443
ENTRYPOINT ["/usr/local/bin/fairway"]
CMD ["operator"]
