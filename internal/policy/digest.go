package policy

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"

	"github.com/mxauth/mxauth/internal/model"
)

// digestVersion starts the hashed text, so that a future change of the canonical form gives
// new digests instead of colliding with old ones (the only effect is that existing clients are
// no longer shared with new registrations).
const digestVersion = "mxauth-client-metadata-v1"

// ClientMetadataDigest returns a hex SHA-256 digest of m in a canonical form, to find an
// earlier registration with the same metadata: the Matrix spec tells clients to register at the
// start of every authorisation flow, and lets the server de-duplicate identical registrations.
// Feed it metadata from ParseClientMetadata, which has already normalised it; beyond that, a
// nil and an empty list are the same, and every other difference (including the order of
// redirect_uris) gives another digest.
//
// The canonical form writes every field of model.ClientMetadata in a fixed order, each string
// and each list prefixed with its length, so that no two different values share an encoding
// (whatever bytes the strings hold).
func ClientMetadataDigest(m model.ClientMetadata) string {
	d := digester{h: sha256.New()}
	d.string(digestVersion)
	d.strings(m.RedirectURIs)
	d.strings(m.ResponseTypes)
	d.strings(m.GrantTypes)
	d.string(m.ApplicationType)
	d.string(m.TokenEndpointAuthMethod)
	d.string(m.ClientName)
	d.string(m.ClientURI)
	d.string(m.LogoURI)
	d.string(m.TOSURI)
	d.string(m.PolicyURI)
	d.strings(m.Contacts)
	d.length(len(m.Localized))
	for _, l := range m.Localized {
		d.string(l.Field)
		d.string(l.Lang)
		d.string(l.Value)
	}
	d.string(m.IDTokenSignedResponseAlg)
	d.strings(m.PostLogoutRedirectURIs)
	return hex.EncodeToString(d.h.Sum(nil))
}

type digester struct{ h hash.Hash }

func (d digester) length(n int) {
	var buf [binary.MaxVarintLen64]byte
	d.h.Write(buf[:binary.PutUvarint(buf[:], uint64(n))])
}

func (d digester) string(s string) {
	d.length(len(s))
	d.h.Write([]byte(s))
}

func (d digester) strings(values []string) {
	d.length(len(values))
	for _, s := range values {
		d.string(s)
	}
}
