package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Check names, as printed.
const (
	nameAuthMetadata      = "auth_metadata"
	nameMetadataIssuer    = "auth_metadata issuer"
	nameAccountManagement = "account management"
	nameCORS              = "CORS"
)

// authMetadataPath is the OAuth 2.0 server metadata of the Matrix CS API (v1.15,
// §Server metadata discovery).
const authMetadataPath = "/_matrix/client/v1/auth_metadata"

// probeOrigin is the Origin the metadata is asked with, as a web client on another origin
// would ask.
const probeOrigin = "https://mxauth-doctor.invalid"

// requiredURLFields are the required metadata members that hold a URL (SPEC.md §1.2, META's
// `required:` list; R4: absolute URIs).
var requiredURLFields = []string{
	"issuer", "authorization_endpoint", "token_endpoint", "revocation_endpoint", "registration_endpoint",
}

// requiredListFields are the required metadata arrays with the values each MUST contain
// (SPEC.md §1.2, R5–R8).
var requiredListFields = []struct {
	name string
	must []string
}{
	{"response_types_supported", []string{"code"}},
	{"grant_types_supported", []string{"authorization_code", "refresh_token"}},
	{"response_modes_supported", []string{"query", "fragment"}},
	{"code_challenge_methods_supported", []string{"S256"}},
}

// metadataOutcome is what the auth_metadata checks found.
type metadataOutcome struct {
	results []Result
	// issuer is the metadata's issuer, "" when unknown; the https check uses it when mxauth's
	// own is not given.
	issuer string
}

// checkAuthMetadata fetches the homeserver's auth_metadata once and judges it four ways:
// required fields, the issuer, account_management_uri and CORS.
func checkAuthMetadata(ctx context.Context, p prober, base, issuer string) metadataOutcome {
	dependents := []string{nameMetadataIssuer, nameAccountManagement, nameCORS}
	skipAll := func(first Result, why string) metadataOutcome {
		out := metadataOutcome{results: []Result{first}}
		for _, name := range dependents {
			out.results = append(out.results, skipped(name, why))
		}
		return out
	}
	if base == "" {
		why := "the homeserver URL is unknown (see well-known)"
		return skipAll(skipped(nameAuthMetadata, why), why)
	}
	url := base + authMetadataPath
	r, err := p.do(ctx, request{method: http.MethodGet, url: url, header: map[string]string{"Origin": probeOrigin}})
	if err != nil {
		return skipAll(Result{Name: nameAuthMetadata, Status: StatusFail, Detail: err.Error(),
			Fix: "make the homeserver's client API reachable at " + base}, "auth_metadata could not be read")
	}
	if r.status != http.StatusOK {
		return skipAll(metadataStatusFailure(url, r), "auth_metadata could not be read")
	}
	doc, err := jsonObject(r.body)
	if err != nil {
		return skipAll(Result{Name: nameAuthMetadata, Status: StatusFail, Detail: url + ": " + err.Error(),
			Fix: "the homeserver must answer with its authorization server's metadata (Matrix v1.15 §Server metadata discovery)"},
			"auth_metadata could not be read")
	}
	out := metadataOutcome{}
	out.results = append(out.results, requiredFields(doc))
	var iss string
	if json.Unmarshal(doc["issuer"], &iss) == nil {
		out.issuer = iss
	}
	out.results = append(out.results, metadataIssuer(out.issuer, issuer), accountManagement(doc),
		corsAllowed(r.header.Get("Access-Control-Allow-Origin")))
	return out
}

// metadataStatusFailure explains a non-200 auth_metadata answer. 404 M_UNRECOGNIZED is the
// spec's "this homeserver does not support the OAuth 2.0 API" (CS §Authentication API
// discovery).
func metadataStatusFailure(url string, r reply) Result {
	res := Result{Name: nameAuthMetadata, Status: StatusFail, Detail: fmt.Sprintf("%s answered HTTP %d", url, r.status)}
	if r.status == http.StatusNotFound && matrixErrcode(r.body) == "M_UNRECOGNIZED" {
		res.Detail = "the homeserver does not offer the OAuth 2.0 API (404 M_UNRECOGNIZED)"
		res.Fix = "enable matrix_authentication_service in Synapse's config with endpoint set to mxauth's address (and the same secret), then restart Synapse"
		return res
	}
	if r.status >= 500 {
		// Synapse answers 500 when it cannot load the metadata it passes through (SYNAPSE.md
		// §1.2: it needs issuer and account_management_uri as strings).
		res.Fix = "Synapse fails to load mxauth's metadata from <matrix_authentication_service.endpoint>/.well-known/openid-configuration: check Synapse's log, that the endpoint reaches mxauth, and that the metadata has issuer and account_management_uri"
		return res
	}
	res.Fix = "Synapse answers it with mxauth's metadata once matrix_authentication_service is enabled; check that the reverse proxy sends /_matrix/ to Synapse"
	return res
}

// requiredFields checks the nine members Matrix v1.15 requires (SPEC.md R2–R8).
func requiredFields(doc map[string]json.RawMessage) Result {
	var problems []string
	for _, name := range requiredURLFields {
		if p := urlFieldProblem(doc, name); p != "" {
			problems = append(problems, p)
		}
	}
	for _, f := range requiredListFields {
		raw, ok := doc[f.name]
		var values []string
		if !ok {
			problems = append(problems, f.name+" is missing")
			continue
		}
		if json.Unmarshal(raw, &values) != nil {
			problems = append(problems, f.name+" is not a list of strings")
			continue
		}
		for _, must := range f.must {
			if !slices.Contains(values, must) {
				problems = append(problems, fmt.Sprintf("%s lacks %q", f.name, must))
			}
		}
	}
	if len(problems) > 0 {
		return Result{Name: nameAuthMetadata, Status: StatusFail, Detail: strings.Join(problems, "; "),
			Fix: "the homeserver passes its authorization server's metadata through unchanged: point matrix_authentication_service.endpoint at mxauth, whose metadata has every required field"}
	}
	n := len(requiredURLFields) + len(requiredListFields)
	return Result{Name: nameAuthMetadata, Status: StatusOK, Detail: fmt.Sprintf("all %d required fields present", n)}
}

// urlFieldProblem says what is wrong with a URL member, "" when nothing is. The issuer must
// also have no query or fragment (RFC 8414 §2); its scheme is the https check's business.
func urlFieldProblem(doc map[string]json.RawMessage, name string) string {
	raw, ok := doc[name]
	if !ok {
		return name + " is missing"
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return name + " is not a string"
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Sprintf("%s %q is not an absolute URL", name, s)
	}
	if name == "issuer" && (u.RawQuery != "" || u.ForceQuery || u.Fragment != "") {
		return fmt.Sprintf("issuer %q has a query or fragment", s)
	}
	return ""
}

// metadataIssuer compares the homeserver's issuer with mxauth's. Clients and the homeserver
// must agree on it (RFC 8414 §3.3: identical strings), so a difference means the homeserver
// delegates to another server, or mxauth's public URL is not the one it is reached at.
func metadataIssuer(got, want string) Result {
	switch {
	case got == "":
		return skipped(nameMetadataIssuer, "the metadata has no issuer")
	case want == "":
		return skipped(nameMetadataIssuer, fmt.Sprintf("no mxauth issuer to compare with; the homeserver names %s", got))
	case got != want:
		return Result{Name: nameMetadataIssuer, Status: StatusFail,
			Detail: fmt.Sprintf("the homeserver names %q, not mxauth's %q", got, want),
			Fix:    "point Synapse's matrix_authentication_service.endpoint at this mxauth and restart Synapse (it keeps the metadata until then); http.public_url must be the URL clients reach mxauth at"}
	}
	return Result{Name: nameMetadataIssuer, Status: StatusOK, Detail: got + " is mxauth's issuer"}
}

// accountManagement checks account_management_uri (Matrix v1.18, MSC4191): clients link to
// account settings with it, and Synapse requires it in the metadata it fetches (SYNAPSE.md
// §1.2).
func accountManagement(doc map[string]json.RawMessage) Result {
	fix := "the authorization server should publish account_management_uri, its account page"
	raw, ok := doc["account_management_uri"]
	if !ok {
		return Result{Name: nameAccountManagement, Status: StatusWarn,
			Detail: "no account_management_uri: clients cannot send users to their account settings", Fix: fix}
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return Result{Name: nameAccountManagement, Status: StatusWarn, Detail: "account_management_uri is not a string", Fix: fix}
	}
	if u, err := url.Parse(s); err != nil || !u.IsAbs() || u.Host == "" {
		return Result{Name: nameAccountManagement, Status: StatusWarn,
			Detail: fmt.Sprintf("account_management_uri %q is not an absolute URL", s), Fix: fix}
	}
	return Result{Name: nameAccountManagement, Status: StatusOK, Detail: "account_management_uri " + s}
}

// corsAllowed checks that web clients on any origin may read the metadata (SPEC.md R17).
func corsAllowed(allowOrigin string) Result {
	if allowOrigin == "*" || allowOrigin == probeOrigin {
		return Result{Name: nameCORS, Status: StatusOK, Detail: "Access-Control-Allow-Origin: " + allowOrigin}
	}
	detail := "no Access-Control-Allow-Origin on auth_metadata: web clients such as Element Web cannot read it"
	if allowOrigin != "" {
		detail = fmt.Sprintf("Access-Control-Allow-Origin is %q, not *: web clients on other origins cannot read auth_metadata", allowOrigin)
	}
	return Result{Name: nameCORS, Status: StatusWarn, Detail: detail,
		Fix: "let the reverse proxy pass the homeserver's Access-Control-Allow-Origin: * through (do not strip or override it)"}
}
