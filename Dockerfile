# syntax=docker/dockerfile:1
# ibmi-mcp as a FROM scratch image: the Native AOT binary, the five shared objects it loads (loader, libc,
# libm, and libssl/libcrypto which it dlopens for TLS, RSA and AES-GCM), a CA bundle, /etc/passwd+group for
# uid 10001, and nothing else: no shell, no package manager. About 36 MiB uncompressed.
#
#   docker build -t ibmi-mcp --build-arg VERSION=1.2.3 .
#   docker run --rm -p 3010:3010 -e DB2i_HOST=myibmi -e DB2i_USER=MCPUSER -e DB2i_PASS=... ibmi-mcp
#
# The file list lives in deploy/rootfs.files; the collect stage runs deploy/assemble-rootfs.sh on it, the same
# script tests/deploy.suite.sh uses to build the root filesystem it chroots into, so they cannot drift.
# The build runs natively per platform (docker buildx --platform linux/amd64,linux/arm64 with one builder per
# architecture, or QEMU): publish.sh picks the runtime identifier from the build machine's architecture.

# .NET 10 SDK images are Ubuntu 24.04 ("Debian container images will not be shipped for .NET 10"). The
# runtime libraries below are copied from this same image, so they match the glibc the binary was linked on.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble

FROM ${SDK_IMAGE} AS build
# clang links the native image; zlib1g-dev is what Microsoft lists for AOT (the runtime pack ships its own libz.a,
# harmless either way). ca-certificates and openssl provide the CA bundle and openssl.cnf copied into the final image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang zlib1g-dev ca-certificates openssl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Restore first, on project files only, so source edits do not invalidate the package layer.
COPY global.json Directory.Build.props rd.xml ./
COPY src/IbmiMcp.Aot/IbmiMcp.Aot.csproj src/IbmiMcp.Aot/
RUN arch="$(uname -m)"; case "$arch" in aarch64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac; \
    dotnet restore src/IbmiMcp.Aot/IbmiMcp.Aot.csproj -r "$rid"
COPY . .
ARG VERSION=0.1.0
RUN ./publish.sh --version "${VERSION}"

FROM build AS collect
# Same script and list as the tests: builds /rootfs owned by root, files 0644/0755, /tmp 1777.
RUN deploy/assemble-rootfs.sh /rootfs

FROM scratch
COPY --from=collect /rootfs/ /
USER 10001:10001
WORKDIR /tmp
ENV MCP_TRANSPORT_TYPE=http \
    MCP_HTTP_HOST=0.0.0.0 \
    MCP_HTTP_PORT=3010
EXPOSE 3010
# No shell in the image: the binary probes its own /healthz (exit 0 on 200) and follows MCP_HTTP_PORT and
# MCP_HTTPS_CERT_PATH (https with the certificate not verified, since it connects to 127.0.0.1).
HEALTHCHECK --interval=30s --timeout=6s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/ibmi-mcp", "healthcheck"]
# Secrets arrive as files, e.g. docker run --mount type=bind,src=$PWD/secrets,dst=/run/secrets,ro
#   -e IBMI_AUTH_PRIVATE_KEY_PATH=/run/secrets/private.pem -e IBMI_AUTH_PUBLIC_KEY_PATH=/run/secrets/public.pem
ENTRYPOINT ["/usr/local/bin/ibmi-mcp"]
CMD ["serve"]
