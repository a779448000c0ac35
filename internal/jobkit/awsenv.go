package jobkit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/net/http/httpproxy"
)

// awsCredentials returns the credentials of the first source of env that
// applies, in the order [S3Client] documents. It reads env only (and the
// files env names); a source that is half set is a *ConfigError naming what
// is missing. hc sends the credential requests (STS, container endpoint,
// EC2 metadata) that the non-static sources make when first used.
func awsCredentials(ctx context.Context, env Env, keys S3Keys, hc *http.Client, region string) (aws.CredentialsProvider, error) {
	static := func(id, secret, token string) aws.CredentialsProvider {
		return credentials.NewStaticCredentialsProvider(id, secret, token)
	}
	if id, secret, err := pair(env, keys.ID, keys.Secret); err != nil || id != "" {
		return static(id, secret, ""), err
	}
	if id, secret, err := pair(env, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"); err != nil || id != "" {
		return static(id, secret, env.Get("AWS_SESSION_TOKEN")), err
	}

	profile := env.Get("AWS_PROFILE")
	sc, err := sharedProfile(ctx, env, cmp.Or(profile, "default"))
	switch {
	case err == nil && sc.Credentials.HasKeys():
		c := sc.Credentials
		return static(c.AccessKeyID, c.SecretAccessKey, c.SessionToken), nil
	case profile != "" && err != nil:
		return nil, Invalid("AWS_PROFILE %q: %v", profile, err)
	case profile != "":
		return nil, Invalid("AWS_PROFILE %q holds no access key (aws_access_key_id); role, SSO and process profiles are not supported, give the job a key pair instead", profile)
	}

	if token, role := env.Get("AWS_WEB_IDENTITY_TOKEN_FILE"), env.Get("AWS_ROLE_ARN"); token != "" || role != "" {
		if _, _, err := pair(env, "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"); err != nil {
			return nil, err
		}
		client := sts.New(sts.Options{Region: region, HTTPClient: hc})
		return aws.NewCredentialsCache(stscreds.NewWebIdentityRoleProvider(client, role, stscreds.IdentityTokenFile(token),
			func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = env.Get("AWS_ROLE_SESSION_NAME") })), nil
	}

	endpoint := env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
	if rel := env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
		endpoint = "http://169.254.170.2" + rel
	}
	if endpoint != "" {
		return aws.NewCredentialsCache(endpointcreds.New(endpoint, func(o *endpointcreds.Options) {
			o.HTTPClient = hc
			o.AuthorizationToken = env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN")
			if f := env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); f != "" {
				o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
					b, err := os.ReadFile(f)
					return strings.TrimSpace(string(b)), err
				})
			}
		})), nil
	}

	if strings.EqualFold(env.Get("AWS_EC2_METADATA_DISABLED"), "true") {
		return nil, Invalid("no AWS credentials: set %s and %s (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, a web identity or container role); AWS_EC2_METADATA_DISABLED rules out the instance role", keys.ID, keys.Secret)
	}
	client := imds.New(imds.Options{
		HTTPClient:        hc,
		ClientEnableState: imds.ClientEnabled,
		Endpoint:          cmp.Or(env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT"), "http://169.254.169.254"),
	})
	return aws.NewCredentialsCache(ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = client })), nil
}

// pair returns the key pair named by idVar and secretVar: both empty when
// neither is set, a *ConfigError naming the other one (unset, or empty)
// when only one is. The pair is optional, so the message does not call the
// run a partial configuration.
func pair(env Env, idVar, secretVar string) (id, secret string, err error) {
	id, secret = env.Get(idVar), env.Get(secretVar)
	half := func(set, other string) error {
		how := "is not"
		if _, ok := env.lookup(other); ok {
			how = "is empty"
		}
		return &ConfigError{Err: fmt.Errorf("%s is set but %s %s: set both, or neither for the credential chain (--help)", set, other, how)}
	}
	switch {
	case id != "" && secret != "":
		return id, secret, nil
	case id != "":
		return "", "", half(idVar, secretVar)
	case secret != "":
		return "", "", half(secretVar, idVar)
	}
	return "", "", nil
}

// sharedProfile reads profile from the shared files env names:
// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, by default
// HOME/.aws/config and HOME/.aws/credentials; none without HOME.
func sharedProfile(ctx context.Context, env Env, profile string) (config.SharedConfig, error) {
	files := func(v, name string) []string {
		if f := env.Get(v); f != "" {
			return []string{f}
		}
		if home := env.Get("HOME"); home != "" {
			return []string{filepath.Join(home, ".aws", name)}
		}
		return []string{} // not nil: nil means the SDK's defaults, read from the process
	}
	cfgFiles, credFiles := files("AWS_CONFIG_FILE", "config"), files("AWS_SHARED_CREDENTIALS_FILE", "credentials")
	sc, err := config.LoadSharedConfigProfile(ctx, profile, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = cfgFiles, credFiles
	})
	var notExist config.SharedConfigProfileNotExistError
	if errors.As(err, &notExist) {
		return sc, fmt.Errorf("no such profile in %s", strings.Join(append(cfgFiles, credFiles...), ", "))
	}
	return sc, err
}

// proxyFunc returns the proxy selection of HTTPS_PROXY, HTTP_PROXY and
// NO_PROXY (or their lower-case spellings) in env; nil when none is set.
func proxyFunc(env Env) func(*http.Request) (*url.URL, error) {
	cfg := httpproxy.Config{
		HTTPProxy:  cmp.Or(env.Get("HTTP_PROXY"), env.Get("http_proxy")),
		HTTPSProxy: cmp.Or(env.Get("HTTPS_PROXY"), env.Get("https_proxy")),
		NoProxy:    cmp.Or(env.Get("NO_PROXY"), env.Get("no_proxy")),
	}
	if cfg.HTTPProxy == "" && cfg.HTTPSProxy == "" {
		return nil
	}
	f := cfg.ProxyFunc()
	return func(r *http.Request) (*url.URL, error) { return f(r.URL) }
}
