package keys

import (
	"context"
	"crypto/elliptic"
	"encoding/json"
	"slices"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
)

func jwksKIDs(t *testing.T, set *Set) []string {
	t.Helper()
	var jwks jose.JSONWebKeySet
	if err := json.Unmarshal(set.JWKS(), &jwks); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range jwks.Keys {
		kids = append(kids, k.KeyID)
	}
	return kids
}

// testSet is a stored set with both default keys and an extra retired ES256 key.
func testSet(t *testing.T) *Set {
	t.Helper()
	box := testBox(t, 1)
	keys := append(defaultStoredKeys(t, box),
		sealedKey(t, box, ecKey(t, elliptic.P256()), "es-old", model.AlgES256, "rotated-0", testT0.Add(-1)))
	set, err := Load(context.Background(), storeOptions(&fakeKeyStore{keys: keys}, box))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestJWKSHoldsPublicMembersOnly checks the member names of every published key: exactly the
// public parameters (RFC 7518 §6.2.1, §6.3.1) plus kid, use and alg; never d, p, q, dp, dq
// or qi.
func TestJWKSHoldsPublicMembersOnly(t *testing.T) {
	t.Parallel()
	set := testSet(t)
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(set.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"EC":  {"alg", "crv", "kid", "kty", "use", "x", "y"},
		"RSA": {"alg", "e", "kid", "kty", "n", "use"},
	}
	if len(doc.Keys) != 3 {
		t.Fatalf("JWKS has %d keys, want 3", len(doc.Keys))
	}
	for _, k := range doc.Keys {
		var members []string
		for name := range k {
			members = append(members, name)
		}
		slices.Sort(members)
		if diff := cmp.Diff(want[k["kty"].(string)], members); diff != "" {
			t.Errorf("key %v members (-want +got):\n%s", k["kid"], diff)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, ok := k[private]; ok {
				t.Errorf("key %v publishes private member %q", k["kid"], private)
			}
		}
		if k["use"] != "sig" {
			t.Errorf("key %v use = %v, want sig", k["kid"], k["use"])
		}
	}
}

// TestJWKSVerifiesWhatSignerSigns signs a JWS with each algorithm's Signer and verifies it with
// the key a client would pick from the JWKS by kid, and fails with any other key.
func TestJWKSVerifiesWhatSignerSigns(t *testing.T) {
	t.Parallel()
	set := testSet(t)
	var jwks jose.JSONWebKeySet
	if err := json.Unmarshal(set.JWKS(), &jwks); err != nil {
		t.Fatalf("JWKS does not parse as a JSON Web Key Set: %v", err)
	}
	for _, k := range jwks.Keys {
		if !k.IsPublic() || !k.Valid() {
			t.Errorf("key %q: public %v, valid %v", k.KeyID, k.IsPublic(), k.Valid())
		}
	}
	for _, alg := range set.Algs() {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			kid, signer, ok := set.Signer(alg)
			if !ok {
				t.Fatalf("no signer for %s", alg)
			}
			joseSigner, err := jose.NewSigner(
				jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: signer},
				(&jose.SignerOptions{}).WithHeader(jose.HeaderKey("kid"), kid))
			if err != nil {
				t.Fatal(err)
			}
			jws, err := joseSigner.Sign([]byte(`{"sub":"@alice:example.org"}`))
			if err != nil {
				t.Fatal(err)
			}
			compact, err := jws.CompactSerialize()
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
			if err != nil {
				t.Fatal(err)
			}
			headerKID := parsed.Signatures[0].Header.KeyID
			matching := jwks.Key(headerKID)
			if len(matching) != 1 {
				t.Fatalf("JWKS has %d keys with kid %q, want 1", len(matching), headerKID)
			}
			if matching[0].Algorithm != alg {
				t.Errorf("JWKS key %q alg = %q, want %q", headerKID, matching[0].Algorithm, alg)
			}
			if _, err := parsed.Verify(matching[0]); err != nil {
				t.Errorf("signature does not verify with the published key: %v", err)
			}
			for _, other := range jwks.Keys {
				if other.KeyID == headerKID {
					continue
				}
				if _, err := parsed.Verify(other); err == nil {
					t.Errorf("signature by %q verifies with %q too", headerKID, other.KeyID)
				}
			}
		})
	}
}

func TestSetAccessorsReturnCopies(t *testing.T) {
	t.Parallel()
	set := testSet(t)
	jwks := set.JWKS()
	jwks[0] = 'X'
	if set.JWKS()[0] != '{' {
		t.Error("changing the returned JWKS changed the set's")
	}
	algs := set.Algs()
	algs[0] = "none"
	if diff := cmp.Diff([]string{"ES256", "RS256"}, set.Algs()); diff != "" {
		t.Errorf("Algs after changing a returned slice (-want +got):\n%s", diff)
	}
	if kid, key, ok := set.Signer("HS256"); ok || kid != "" || key != nil {
		t.Errorf(`Signer("HS256") = %q, %v, %v; want nothing`, kid, key, ok)
	}
}
