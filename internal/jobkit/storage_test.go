package jobkit

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

const testBucket = "exec-dash"

// liveJob starts a live job over env, its logs in the returned buffer.
func liveJob(t *testing.T, env map[string]string) (*Job, *syncBuf) {
	t.Helper()
	logs := &syncBuf{}
	j, err := Start("job", flag.NewFlagSet("job", flag.ContinueOnError), nil, MapEnv(env), logs, S3Settings(ExecDashKeys))
	if err != nil {
		t.Fatal(err)
	}
	return j, logs
}

// TestStoreFindsTheBucketRegion: with AWS_REGION unset, the store asks the
// endpoint for the bucket's region (the fake server refuses requests signed
// for another region with 301, as S3 does) and then reads, lists and
// writes; with AWS_REGION set, the region is used as given.
func TestStoreFindsTheBucketRegion(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, s3test.WithRegion("eu-west-2"))
	srv.CreateBucket(t, testBucket)
	srv.PutObject(t, testBucket, "in.csv", []byte("a\n1\n"))
	env := srv.Env(testBucket)
	delete(env, "AWS_REGION")

	j, logs := liveJob(t, env)
	ctx := t.Context()
	st, err := j.Store(ctx, ExecDashKeys, nil)
	if err != nil {
		t.Fatalf("Store: %v\n%s", err, logs)
	}
	rc, _, err := st.Get(ctx, "in.csv")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(b) != "a\n1\n" {
		t.Fatalf("read %q, %v", b, err)
	}
	if err := st.Put(ctx, "out.csv", strings.NewReader("b\n2\n")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	for _, err := range st.List(ctx, "") {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
	}
	if got := string(srv.GetObject(t, testBucket, "out.csv")); got != "b\n2\n" {
		t.Errorf("out.csv = %q", got)
	}
	refused := 0
	for _, r := range srv.Requests() {
		if r.Refused {
			refused++
			if r.Op() != "HeadBucket" {
				t.Errorf("refused %s %s: only the region lookup should be", r.Method, r.Path)
			}
		}
	}
	if refused != 1 {
		t.Errorf("%d requests refused, want the one region lookup", refused)
	}
	if !strings.Contains(logs.String(), "s3 bucket region found") || !strings.Contains(logs.String(), "region=eu-west-2") {
		t.Errorf("the region found is not logged:\n%s", logs)
	}

	// AWS_REGION set: used as given, even when it is wrong.
	env["AWS_REGION"] = "us-east-1"
	j, _ = liveJob(t, env)
	st, err = j.Store(ctx, ExecDashKeys, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Get(ctx, "in.csv"); err == nil || !strings.Contains(err.Error(), "PermanentRedirect") {
		t.Errorf("Get with AWS_REGION=us-east-1 on an eu-west-2 bucket: err = %v, want the 301", err)
	}
}

// TestStoreIgnoresTheProcessEnvironment: the AWS configuration comes from
// the job's environment only. The process holds a missing profile, a
// missing config file, bogus keys, another endpoint and region, FIPS (which
// the SDK refuses with a custom endpoint): the job still reaches its
// server. Not parallel: it sets the process environment.
func TestStoreIgnoresTheProcessEnvironment(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, testBucket)
	for k, v := range map[string]string{
		"AWS_PROFILE": "nonexistent", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
		"HOME": "/nonexistent", "AWS_ACCESS_KEY_ID": "AKIAPROCESS", "AWS_SECRET_ACCESS_KEY": "process-secret",
		"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1", "AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_REGION": "xx-nowhere-1",
		"AWS_USE_FIPS_ENDPOINT": "true", "AWS_MAX_ATTEMPTS": "0", "AWS_CA_BUNDLE": "/nonexistent",
	} {
		t.Setenv(k, v)
	}
	env := srv.Env(testBucket)
	env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = "ignored-for-the-job-pair", "ignored"
	j, logs := liveJob(t, env)
	st, err := j.Store(t.Context(), ExecDashKeys, nil)
	if err != nil {
		t.Fatalf("Store: %v\n%s", err, logs)
	}
	if err := st.Put(t.Context(), "a.csv", strings.NewReader("a\n")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	// No key pair in the job's environment: the process's AWS_ACCESS_KEY_ID
	// is not used either; the job's own AWS_PROFILE and files are.
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".aws", "credentials"), "[ci]\naws_access_key_id = AKIAFROMFILE\naws_secret_access_key = file-secret\n")
	env = map[string]string{"HOME": home, "AWS_PROFILE": "ci"}
	creds, err := awsCredentials(t.Context(), MapEnv(env), ExecDashKeys, nil, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := creds.Retrieve(t.Context())
	if err != nil || got.AccessKeyID != "AKIAFROMFILE" {
		t.Fatalf("credentials = %q, %v; want the job's profile", got.AccessKeyID, err)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestAWSCredentials: the credential sources of the job's environment, in
// order, and the settings errors of half-set sources.
func TestAWSCredentials(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".aws", "credentials"), "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s\n\n[keyed]\naws_access_key_id = AKIAKEYED\naws_secret_access_key = s\n")
	writeFile(t, filepath.Join(home, ".aws", "config"), "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = keyed\n")
	other := filepath.Join(t.TempDir(), "creds")
	writeFile(t, other, "[default]\naws_access_key_id = AKIAOTHERFILE\naws_secret_access_key = s\n")

	// The container credentials endpoint and the EC2 metadata service, on
	// loopback.
	container := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "container-token" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"AccessKeyId":"AKIACONTAINER","SecretAccessKey":"s","Token":"t","Expiration":%q}`, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	}))
	t.Cleanup(container.Close)
	metadata := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			io.WriteString(w, "imds-token")
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/":
			io.WriteString(w, "exec-dash-role")
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/exec-dash-role":
			fmt.Fprintf(w, `{"Code":"Success","AccessKeyId":"AKIAINSTANCE","SecretAccessKey":"s","Token":"t","Expiration":%q}`, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(metadata.Close)

	tests := []struct {
		name    string
		env     map[string]string
		want    string // access key id
		wantErr string // a *ConfigError containing this
	}{
		{name: "job pair", env: map[string]string{"EXEC_DASH_ACCESS_ID": "AKIAJOB", "EXEC_DASH_PASS": "s", "AWS_ACCESS_KEY_ID": "AKIASTD", "AWS_SECRET_ACCESS_KEY": "s"}, want: "AKIAJOB"},
		{name: "job pair half set", env: map[string]string{"EXEC_DASH_ACCESS_ID": "AKIAJOB"}, wantErr: "EXEC_DASH_ACCESS_ID is set but EXEC_DASH_PASS is not: set both, or neither"},
		// An empty secret (a missing secret mount) is named as empty; the
		// pair is optional, so no "partial configuration" advice.
		{name: "job pair, secret empty", env: map[string]string{"EXEC_DASH_ACCESS_ID": "AKIAJOB", "EXEC_DASH_PASS": ""}, wantErr: "EXEC_DASH_ACCESS_ID is set but EXEC_DASH_PASS is empty: set both, or neither"},
		{name: "standard pair", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIASTD", "AWS_SECRET_ACCESS_KEY": "s", "HOME": home}, want: "AKIASTD"},
		{name: "standard pair half set", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIASTD"}, wantErr: "AWS_SECRET_ACCESS_KEY"},
		{name: "default profile under HOME", env: map[string]string{"HOME": home}, want: "AKIADEFAULT"},
		{name: "named profile", env: map[string]string{"HOME": home, "AWS_PROFILE": "keyed"}, want: "AKIAKEYED"},
		{name: "AWS_SHARED_CREDENTIALS_FILE", env: map[string]string{"HOME": home, "AWS_SHARED_CREDENTIALS_FILE": other}, want: "AKIAOTHERFILE"},
		{name: "missing profile", env: map[string]string{"HOME": home, "AWS_PROFILE": "nonexistent"}, wantErr: `AWS_PROFILE "nonexistent": no such profile`},
		{name: "profile without a key", env: map[string]string{"HOME": home, "AWS_PROFILE": "role"}, wantErr: "holds no access key"},
		{name: "web identity half set", env: map[string]string{"AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/x"}, wantErr: "AWS_WEB_IDENTITY_TOKEN_FILE"},
		{name: "container endpoint", env: map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": container.URL + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-token"}, want: "AKIACONTAINER"},
		{name: "instance role", env: map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.URL}, want: "AKIAINSTANCE"},
		{name: "nothing, metadata disabled", env: map[string]string{"AWS_EC2_METADATA_DISABLED": "true"}, wantErr: "no AWS credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hc := objstore.NewHTTPClient(objstore.HTTPOptions{RequestTimeout: 5 * time.Second})
			p, err := awsCredentials(t.Context(), MapEnv(tt.env), ExecDashKeys, hc, "us-east-1")
			var ce *ConfigError
			if tt.wantErr != "" {
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a *ConfigError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c, err := p.Retrieve(t.Context())
			if err != nil || c.AccessKeyID != tt.want {
				t.Fatalf("Retrieve = %q, %v; want %q", c.AccessKeyID, err, tt.want)
			}
		})
	}
	// Web identity: built, not retrieved (that would call AWS STS).
	p, err := awsCredentials(t.Context(), MapEnv(map[string]string{"AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/x", "AWS_WEB_IDENTITY_TOKEN_FILE": other}), ExecDashKeys, nil, "us-east-1")
	if _, ok := p.(*aws.CredentialsCache); err != nil || !ok {
		t.Errorf("web identity: %T, %v", p, err)
	}
}

// TestStoreOnASilentEndpoint: an S3 endpoint that accepts connections and
// never answers fails the job's store within the request timeout (times
// the SDK's 3 attempts), with an error that says so, whether the region is
// being looked up or given.
func TestStoreOnASilentEndpoint(t *testing.T) {
	t.Parallel()
	base := map[string]string{"BUCKET_NAME": testBucket, "AWS_ENDPOINT_URL_S3": "http://" + faultnet.Silent(t),
		"EXEC_DASH_ACCESS_ID": "id", "EXEC_DASH_PASS": "secret"}
	for _, region := range []string{"", "us-east-1"} {
		t.Run("AWS_REGION="+region, func(t *testing.T) {
			t.Parallel()
			env := maps.Clone(base)
			if region != "" {
				env["AWS_REGION"] = region
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			j, _ := liveJob(t, env)
			start := time.Now()
			j.Flags.RequestTimeout = 200 * time.Millisecond
			st, err := j.Store(ctx, ExecDashKeys, fstest.MapFS{})
			if err == nil {
				_, _, err = st.Get(ctx, "active_permits.csv")
			}
			if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "timeout") {
				t.Fatalf("after %v: err = %v (ctx %v), want a timeout before the context ends", time.Since(start), err, ctx.Err())
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error holds the secret: %v", err)
			}
		})
	}
}

// syncBuf is a strings.Builder safe for a logger and a reader.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
