package amanda_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
)

// password is recognisable in any output; it has URL-special characters so
// its escaped spellings differ from the raw one.
const password = "Tr0ub4dor&3/horse:staple@battery"

func spellings() []string {
	return []string{password, url.PathEscape(password), url.QueryEscape(password), "Tr0ub4dor"}
}

func assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range spellings() {
		if strings.Contains(text, s) {
			t.Errorf("%s contains the password (%q): %s", what, s, text)
		}
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// TestPasswordNeverLeaks drives the real go-ora driver into failures — a
// refused connection on loopback, a host that breaks the URL (go-ora then
// echoes the whole connection URL in its error) — and checks that neither the
// errors (and everything they wrap), nor the logs, nor the printed Config
// contain the password.
func TestPasswordNeverLeaks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		host string
	}{
		{name: "connection refused", host: "127.0.0.1"},
		{name: "host breaks the URL", host: "bad host%zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			logs := &syncBuffer{}
			cfg := amanda.Config{
				Host: tt.host, Port: closedPort(t), ServiceName: "AMANDA", User: "exec_dash_ro",
				Password: password, ConnectTimeout: 2 * time.Second,
			}
			client, err := amanda.Open(cfg, amanda.Options{
				Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()

			var errs []error
			errs = append(errs, client.Ping(ctx))
			_, err = client.ActivePermits(ctx)
			errs = append(errs, err)
			_, err = client.Export(ctx, "review_time", &strings.Builder{})
			errs = append(errs, err)
			for i, err := range errs {
				var ae *amanda.Error
				if !errors.As(err, &ae) {
					t.Fatalf("call %d: error %v (%T) is not an *amanda.Error", i, err, err)
				}
				for e := err; e != nil; e = errors.Unwrap(e) {
					assertNoSecret(t, fmt.Sprintf("call %d error chain", i), e.Error())
					assertNoSecret(t, fmt.Sprintf("call %d error %%+v", i), fmt.Sprintf("%+v %#v", e, e))
				}
			}
			t.Logf("ping error: %v", errs[0])
			assertNoSecret(t, "logs", logs.String())
			if !strings.Contains(logs.String(), "exec_dash_ro") {
				t.Errorf("the debug log does not show the (redacted) config: %s", logs.String())
			}
		})
	}
}

func TestConfigRedaction(t *testing.T) {
	t.Parallel()
	cfg := amanda.Config{Host: "db.example", ServiceName: "AMANDA", User: "svc", Password: password}
	logs := &syncBuffer{}
	slog.New(slog.NewJSONHandler(logs, nil)).Info("config", "cfg", cfg, "ptr", &cfg)
	outputs := map[string]string{
		"String": cfg.String(),
		"%v":     fmt.Sprintf("%v", cfg),
		"%+v":    fmt.Sprintf("%+v", cfg),
		"%#v":    fmt.Sprintf("%#v", cfg),
		//lint:ignore S1025 the %s verb itself is what is tested
		"%s ptr": fmt.Sprintf("%s", &cfg),
		"slog":   logs.String(),
	}
	for name, out := range outputs {
		assertNoSecret(t, name, out)
		if !strings.Contains(out, "REDACTED") || !strings.Contains(out, "db.example") {
			t.Errorf("%s: %s lacks the host or the REDACTED marker", name, out)
		}
	}
	if empty := (amanda.Config{}).String(); strings.Contains(empty, "REDACTED") {
		t.Errorf("an empty password shows as REDACTED: %s", empty)
	}
}
