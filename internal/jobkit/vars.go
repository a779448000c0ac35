package jobkit

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// variable documents one environment variable a job may read and says how
// to check its value.
type variable struct {
	about string
	def   string                      // the default, when there is one
	check func(string) (string, bool) // a problem, when the value is not acceptable
}

// variables is every environment variable the jobs read.
var variables = map[string]variable{
	ModeVar: {about: "live (never the sample), sample (the embedded sample, whatever else is set) or auto", def: "auto: live when every required variable is set, the sample when none is"},

	"BUCKET_NAME":           {about: "S3 bucket of the dashboard's CSV files", check: bucketName},
	"EXEC_DASH_ACCESS_ID":   {about: "S3 access key id (with EXEC_DASH_PASS)", def: s3Chain},
	"EXEC_DASH_PASS":        {about: "S3 secret access key"},
	"AWS_ACCESS_KEY":        {about: "S3 access key id (with AWS_SECRET_ACCESS_KEY)", def: s3Chain},
	"AWS_SECRET_ACCESS_KEY": {about: "S3 secret access key"},
	"AWS_REGION":            {about: "AWS region of the bucket", def: "asked of the bucket's endpoint (HeadBucket), us-east-1 when it names none"},
	"AWS_ENDPOINT_URL_S3":   {about: "S3-compatible endpoint URL (path-style addressing)", def: "AWS S3", check: endpointURL},
	"AWS_ENDPOINT_URL":      {about: "endpoint URL for every AWS service, when AWS_ENDPOINT_URL_S3 is unset", def: "AWS", check: endpointURL},

	// The S3 credential chain, read from the job's environment when the
	// job's key pair is unset (awsenv.go), in the order tried.
	"AWS_ACCESS_KEY_ID":                      {about: "AWS access key id (with AWS_SECRET_ACCESS_KEY)"},
	"AWS_SESSION_TOKEN":                      {about: "AWS session token of a temporary key pair"},
	"AWS_PROFILE":                            {about: "shared-file profile holding static keys", def: "default"},
	"AWS_CONFIG_FILE":                        {about: "AWS shared config file", def: "$HOME/.aws/config"},
	"AWS_SHARED_CREDENTIALS_FILE":            {about: "AWS shared credentials file", def: "$HOME/.aws/credentials"},
	"HOME":                                   {about: "home folder holding .aws/ (no shared files when unset)"},
	"AWS_WEB_IDENTITY_TOKEN_FILE":            {about: "web identity token file (with AWS_ROLE_ARN)"},
	"AWS_ROLE_ARN":                           {about: "role assumed with the web identity token"},
	"AWS_ROLE_SESSION_NAME":                  {about: "session name of the assumed role"},
	"AWS_CONTAINER_CREDENTIALS_FULL_URI":     {about: "container credentials endpoint URL"},
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": {about: "container credentials path on 169.254.170.2 (ECS)"},
	"AWS_CONTAINER_AUTHORIZATION_TOKEN":      {about: "authorization token of the container endpoint"},
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": {about: "file holding that authorization token"},
	"AWS_EC2_METADATA_DISABLED":              {about: "true: never ask the EC2 instance metadata service for a role"},
	"AWS_EC2_METADATA_SERVICE_ENDPOINT":      {about: "EC2 instance metadata endpoint", def: "http://169.254.169.254"},
	"HTTPS_PROXY":                            {about: "proxy for https requests to S3 (or https_proxy)"},
	"HTTP_PROXY":                             {about: "proxy for http requests to S3 (or http_proxy)"},
	"NO_PROXY":                               {about: "hosts reached without the proxy (or no_proxy)"},

	"EXPENSES_REPORT_ID": {about: "MicroStrategy id of the expenses report (32 hex digits)", def: "1C804F8891479811944EF68F99835649"},
	"REVENUE_REPORT_ID":  {about: "MicroStrategy id of the revenue report (32 hex digits)", def: "FBC5E5F30744717D7079ADADB956C3BC"},

	"SO_WEB":    {about: "Socrata portal: a host (https), or an http(s):// URL with no path", check: socrataWeb},
	"SO_TOKEN":  {about: "Socrata app token", def: "none"},
	"SO_KEY":    {about: "Socrata API key id (HTTP Basic)"},
	"SO_SECRET": {about: "Socrata API key secret"},

	"ACTIVE_DATASET":     {about: "dataset id (four-by-four) of the active-permits rolling log; row identifier published_date", check: datasetID},
	"WEEK_DATASET":       {about: "dataset id (four-by-four) of the weekly permit summary", check: datasetID},
	"CSR_DATASET":        {about: "dataset id (four-by-four) of the 3-1-1 service requests", check: datasetID},
	"FLEX_NOTES_DATASET": {about: "dataset id (four-by-four) of the 3-1-1 flex notes", check: datasetID},
	"EXP_DATASET":        {about: "dataset id (four-by-four) of the finance expenses", check: datasetID},
	"REV_DATASET":        {about: "dataset id (four-by-four) of the finance revenue", check: datasetID},
	"METADATA_DATASET":   {about: "dataset id (four-by-four) of the Socrata asset metrics", def: "28ys-ieqv", check: datasetID},

	"HOST":         {about: "AMANDA read replica host name", check: hostName},
	"PORT":         {about: "AMANDA listener port", def: "1521", check: port},
	"SERVICE_NAME": {about: "AMANDA Oracle service name"},
	"DB_USER":      {about: "AMANDA database user"},
	"DB_PASS":      {about: "AMANDA database password"},

	"SMARTSHEET_ACCESS_TOKEN": {about: "Smartsheet API access token"},
	"SMARTSHEET_API_BASE":     {about: "Smartsheet API base URL", def: "https://api.smartsheet.com/2.0", check: httpURL(false)},

	"CSR_ENDPOINT":       {about: "URL of the 3-1-1 service-request report (UTF-16 TSV)", check: httpURL(true)},
	"FLEX_NOTE_ENDPOINT": {about: "URL of the 3-1-1 flex-notes report (xlsx)", check: httpURL(true)},

	"BASE_URL":       {about: "MicroStrategy Library URL, e.g. https://host/MicroStrategyLibrary", check: httpURL(false)},
	"MSTRO_USERNAME": {about: "MicroStrategy user"},
	"MSTRO_PASSWORD": {about: "MicroStrategy password"},
	"PROJECT_ID":     {about: "MicroStrategy project id"},

	"METADATA_DOMAIN":     {about: "domain whose assets are measured (Discovery API domain)", def: "datahub.austintexas.gov", check: hostName},
	"SOCRATA_CATALOG_URL": {about: "Discovery API URL", def: "<SO_WEB>/api/catalog/v1", check: httpURL(false)},
}

// s3Chain is the default of a job's S3 key pair.
const s3Chain = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then the AWS_PROFILE static keys, web identity, the container or the instance role, all from the job's environment"

// s3Extras are read by every job that uses S3, besides its settings: the
// region and endpoint (storage.go), then the credential chain and the
// proxy (awsenv.go).
var s3Extras = []string{"AWS_REGION", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "HOME",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"}

// allVariables lists settings' variables in order: required, optional,
// also, the S3 extras when the job uses S3, and DASHBOARD_MODE.
func allVariables(s Settings) []string {
	var out []string
	add := func(ks ...string) {
		for _, k := range ks {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	add(s.Required...)
	add(s.Optional...)
	add(s.Also...)
	if slices.Contains(s.Required, "BUCKET_NAME") {
		add(s3Extras...)
	}
	add(ModeVar)
	return out
}

// CheckSettings checks the value of every variable of settings that is set
// (dataset ids, URLs, hosts, ports) and returns a *ConfigError naming each
// variable whose value is not acceptable, or nil. Values never appear in
// the message except for dataset ids and ports, which are not secret.
func CheckSettings(env Env, s Settings) error {
	var problems []error
	for _, k := range allVariables(s) {
		v := env.Get(k)
		if v == "" {
			continue
		}
		if c := variables[k].check; c != nil {
			if problem, ok := c(v); !ok {
				problems = append(problems, fmt.Errorf("%s %s", k, problem))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &ConfigError{Err: joinErrors(problems)}
}

// joinErrors joins errs with "; " (errors.Join uses newlines).
func joinErrors(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New(strings.Join(msgs, "; "))
}

var fourByFour = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}$`)

func datasetID(v string) (string, bool) {
	return fmt.Sprintf("is %q, not a Socrata dataset id: four-by-four, such as abcd-1234", v), fourByFour.MatchString(v)
}

func port(v string) (string, bool) {
	n, err := strconv.Atoi(v)
	return fmt.Sprintf("is %q, not a TCP port number (1-65535)", v), err == nil && n >= 1 && n <= 65535
}

var bucketRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

func bucketName(v string) (string, bool) {
	if strings.Contains(v, "/") || strings.Contains(v, ":") {
		return "must be a bucket name such as atd-executive-dashboard, not a URL or path", false
	}
	return "is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)", bucketRe.MatchString(v)
}

// hostName accepts a DNS name or an IP address, without scheme, port or
// path.
func hostName(v string) (string, bool) {
	const msg = "must be a host name such as db.example.org (no scheme, port or path)"
	if net.ParseIP(v) != nil {
		return "", true
	}
	if len(v) > 253 || strings.ContainsAny(v, ":/?#@ \t") {
		return msg, false
	}
	for _, label := range strings.Split(v, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return msg, false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return msg, false
			}
		}
	}
	return "", true
}

// parseHTTP parses an absolute http(s) URL with a host and no credentials.
func parseHTTP(v string) (*url.URL, string) {
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return nil, "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, "must be an http:// or https:// URL (scheme " + strconv.Quote(u.Scheme) + ")"
	case u.Hostname() == "":
		return nil, "has no host"
	case u.User != nil:
		return nil, "must not carry credentials (user:password@); the job takes them from their own variables"
	case u.Port() != "":
		if _, ok := port(u.Port()); !ok {
			return nil, "has an invalid port"
		}
	}
	if _, ok := hostName(u.Hostname()); !ok {
		return nil, "has an invalid host"
	}
	return u, ""
}

// httpURL checks an http(s) URL; a query is accepted when query is true
// (report endpoints carry their parameters in it).
func httpURL(query bool) func(string) (string, bool) {
	return func(v string) (string, bool) {
		u, problem := parseHTTP(v)
		switch {
		case u == nil:
			return problem, false
		case u.Fragment != "" || (!query && (u.RawQuery != "" || u.ForceQuery)):
			return "must not have a query or fragment", false
		}
		return "", true
	}
}

// endpointURL checks an S3 endpoint: scheme, host and port only.
func endpointURL(v string) (string, bool) {
	u, problem := parseHTTP(v)
	switch {
	case u == nil:
		return problem, false
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "":
		return "must be scheme://host[:port] with no path or query, such as http://127.0.0.1:9000", false
	}
	return "", true
}

// socrataWeb accepts a host ("datahub.austintexas.gov", meaning https) or
// an http(s) URL with no path, query or credentials.
func socrataWeb(v string) (string, bool) {
	const want = "must be a host such as datahub.austintexas.gov, or an http(s):// URL with no path, query or credentials"
	if !strings.Contains(v, "://") {
		v = strings.TrimSuffix(v, "/")
		if strings.ContainsAny(v, "/?#@") {
			return want, false
		}
		host := v
		if h, p, err := net.SplitHostPort(v); err == nil {
			if _, ok := port(p); !ok {
				return want, false
			}
			host = h
		}
		if _, ok := hostName(host); !ok {
			return want, false
		}
		return "", true
	}
	u, problem := parseHTTP(v)
	switch {
	case u == nil:
		return problem + "; it " + want, false
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return want, false
	}
	return "", true
}

// CheckYear checks a --year flag (0: the default) for plausibility: from
// 2000 to next year, by now.
func CheckYear(year int, now time.Time) error {
	if year == 0 {
		return nil
	}
	if last := now.Year() + 1; year < 2000 || year > last {
		return &UsageError{Err: fmt.Errorf("--year %d is not plausible: give a year from 2000 to %d, or leave it out for the current one", year, last)}
	}
	return nil
}
