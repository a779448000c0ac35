# syntax=docker/dockerfile:1
#
# One image holding every job in examples/, run one job per container:
#
#   docker build -t atd-executive-dashboard .
#   docker run --rm --env-file job.env atd-executive-dashboard active_permits --dry-run
#
# The jobs are static binaries (CGO_ENABLED=0) on distroless/static, which
# has CA certificates, /etc/passwd with the nonroot user and zoneinfo (the
# jobs that need America/Chicago also embed it). DASHBOARD_MODE=live: a
# container never falls back to the embedded sample; a missing setting is
# exit code 2 naming it. .ci/run proves the binaries static and runs each
# one's sample in an empty root as an unprivileged user.

ARG GO_VERSION=1.26
FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The VCS revision goes into the build info (--version, the first log line)
# when the context is a git clone; otherwise the build goes on without it.
RUN set -eu; \
    vcs=false; if git rev-parse --verify -q HEAD >/dev/null 2>&1; then vcs=true; fi; \
    jobs=$(for d in examples/*/; do printf './%s ' "${d%/}"; done); \
    CGO_ENABLED=0 go build -buildvcs=$vcs -trimpath -ldflags='-s -w' -o /out/ $jobs; \
    for b in /out/*; do "$b" --version >/dev/null; done

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
ENV DASHBOARD_MODE=live
# nonroot (65532) owns its home: the working directory is writable.
USER nonroot:nonroot
WORKDIR /home/nonroot
# No entrypoint: the first argument names the job (on PATH), the rest are
# its flags. Without arguments the image prints active_permits' help.
CMD ["active_permits", "--help"]
