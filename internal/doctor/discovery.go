package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Check names, as printed.
const (
	nameWellKnown = "well-known"
	nameVersions  = "versions"
)

// wellKnownPath is the client discovery document (Matrix CS API §Well-known URIs).
const wellKnownPath = "/.well-known/matrix/client"

// wellKnownIssuerKey is where Synapse (synapse/rest/well_known.py, SYNAPSE.md §1.4) and
// older clients put the authorization server's issuer; abandoned by MSC2965 for
// auth_metadata, but still read by some clients.
const wellKnownIssuerKey = "org.matrix.msc2965.authentication"

// checkWellKnown follows the client discovery of the Matrix CS API (§Well-known URIs) and
// returns the client base URL the other checks use ("" when there is none to trust).
func checkWellKnown(ctx context.Context, p prober, hs homeserver, issuer string) (string, Result) {
	res := Result{Name: nameWellKnown}
	url := hs.origin + wellKnownPath
	// Without a usable well-known, a URL given by the operator is still worth checking; a
	// bare server name is not, since clients give up too (FAIL_PROMPT in the spec).
	fallback := ""
	if !hs.byName {
		fallback = hs.base
	}
	fixServe := fmt.Sprintf(`serve %s as JSON: {"m.homeserver": {"base_url": "<client URL of the homeserver>"}}`, url)
	r, err := p.get(ctx, url)
	switch {
	case err != nil:
		res.Status, res.Detail, res.Fix = StatusFail, err.Error(), fixServe
		return fallback, res
	case r.status == http.StatusNotFound && hs.byName:
		// The spec's IGNORE: clients then take https://<server_name> as the base URL.
		res.Status, res.Fix = StatusWarn, fixServe
		res.Detail = fmt.Sprintf("%s answered 404; clients fall back to %s as the homeserver URL", url, hs.base)
		return hs.base, res
	case r.status == http.StatusNotFound:
		return hs.base, skipped(nameWellKnown, fmt.Sprintf("none at %s; checking %s as given", url, hs.base))
	case r.status >= 500:
		res.Status, res.Detail = StatusFail, fmt.Sprintf("%s answered HTTP %d", url, r.status)
		// Synapse's own well-known names the issuer, so it fails with the metadata.
		res.Fix = "if Synapse serves it, it fails when it cannot load mxauth's metadata (see auth_metadata); otherwise " + fixServe
		return fallback, res
	case r.status != http.StatusOK:
		res.Status, res.Detail, res.Fix = StatusFail, fmt.Sprintf("%s answered HTTP %d", url, r.status), fixServe
		return fallback, res
	}
	doc, err := jsonObject(r.body)
	if err != nil {
		res.Status, res.Detail, res.Fix = StatusFail, url+": "+err.Error(), fixServe
		return fallback, res
	}
	baseURL, ok := stringMember(doc["m.homeserver"], "base_url")
	if !ok {
		res.Status, res.Detail, res.Fix = StatusFail, url+" has no m.homeserver.base_url string", fixServe
		return fallback, res
	}
	base := strings.TrimRight(baseURL, "/")
	if _, err := parseHTTPURL(base); err != nil {
		res.Status, res.Fix = StatusFail, fixServe
		res.Detail = fmt.Sprintf("m.homeserver.base_url %q: %v", baseURL, err)
		return fallback, res
	}
	res.Status, res.Detail = wellKnownIssuer(doc[wellKnownIssuerKey], issuer)
	res.Detail = "base_url " + base + "; " + res.Detail
	if res.Status != StatusOK {
		res.Fix = fmt.Sprintf(`add "%s": {"issuer": "<mxauth's public URL>", "account": "<its account page>"} to %s for older clients; Synapse adds it itself when it serves the well-known (serve_client_wellknown)`, wellKnownIssuerKey, url)
	}
	return base, res
}

// wellKnownIssuer judges the well-known's authentication issuer against mxauth's.
func wellKnownIssuer(raw json.RawMessage, issuer string) (Status, string) {
	named, ok := stringMember(raw, "issuer")
	switch {
	case !ok:
		return StatusWarn, "no " + wellKnownIssuerKey + " issuer (older clients look for it)"
	case issuer == "":
		return StatusOK, "authentication issuer " + named
	case named != issuer:
		return StatusWarn, fmt.Sprintf("authentication issuer %q is not mxauth's %q", named, issuer)
	}
	return StatusOK, "authentication issuer is mxauth's"
}

// stringMember returns the string member name of the JSON object raw; false when raw is not
// an object or the member is missing or not a string.
func stringMember(raw json.RawMessage, name string) (string, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return "", false
	}
	var s *string // a JSON null leaves it nil
	if json.Unmarshal(obj[name], &s) != nil || s == nil {
		return "", false
	}
	return *s, true
}

// minVersion is the first Matrix version with the OAuth 2.0 API (SPEC.md §1.1: v1.15).
var minVersion = matrixVersion{1, 15}

type matrixVersion struct{ major, minor int }

func (v matrixVersion) less(w matrixVersion) bool {
	return v.major < w.major || (v.major == w.major && v.minor < w.minor)
}

func (v matrixVersion) String() string { return fmt.Sprintf("v%d.%d", v.major, v.minor) }

// parseMatrixVersion reads "vX.Y" (Matrix CS API §Specification versions); legacy "r0.6.1"
// and anything else is not a version here.
func parseMatrixVersion(s string) (matrixVersion, bool) {
	rest, ok := strings.CutPrefix(s, "v")
	if !ok {
		return matrixVersion{}, false
	}
	majorS, minorS, ok := strings.Cut(rest, ".")
	if !ok {
		return matrixVersion{}, false
	}
	major, err1 := strconv.Atoi(majorS)
	minor, err2 := strconv.Atoi(minorS)
	if err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return matrixVersion{}, false
	}
	return matrixVersion{major, minor}, true
}

// checkVersions asks /_matrix/client/versions whether the homeserver speaks v1.15 or later,
// the Matrix version that brought the OAuth 2.0 API. The versions are compared as numbers:
// "v1.9" is older than "v1.15".
func checkVersions(ctx context.Context, p prober, base string) Result {
	if base == "" {
		return skipped(nameVersions, "the homeserver URL is unknown (see well-known)")
	}
	fix := "upgrade the homeserver: the OAuth 2.0 API arrived in Matrix v1.15, and clients look for it only on servers that advertise v1.15 or later"
	url := base + "/_matrix/client/versions"
	r, err := p.get(ctx, url)
	if err != nil {
		return Result{Name: nameVersions, Status: StatusFail, Detail: err.Error(),
			Fix: "make the homeserver's client API reachable at " + base}
	}
	if r.status != http.StatusOK {
		return Result{Name: nameVersions, Status: StatusFail, Detail: fmt.Sprintf("%s answered HTTP %d", url, r.status),
			Fix: "make the homeserver's client API reachable at " + base}
	}
	var doc struct {
		Versions []json.RawMessage `json:"versions"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		return Result{Name: nameVersions, Status: StatusFail, Detail: url + ": the answer is not a versions object", Fix: fix}
	}
	newest, found := matrixVersion{}, false
	for _, raw := range doc.Versions {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			continue
		}
		if v, ok := parseMatrixVersion(s); ok && (!found || newest.less(v)) {
			newest, found = v, true
		}
	}
	switch {
	case !found:
		return Result{Name: nameVersions, Status: StatusFail, Detail: "no v1.x version listed", Fix: fix}
	case newest.less(minVersion):
		return Result{Name: nameVersions, Status: StatusFail,
			Detail: fmt.Sprintf("newest is %s; the OAuth 2.0 API needs %s or later", newest, minVersion), Fix: fix}
	}
	return Result{Name: nameVersions, Status: StatusOK, Detail: newest.String() + " supported"}
}
