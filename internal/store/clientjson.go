package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/mxauth/mxauth/internal/model"
)

// This file is what both backends share about the stored form of a client, so that the
// rules and the JSON document are written once: which clients each ClientStore write
// accepts, and the metadata document (a TEXT column in SQLite, JSONB in PostgreSQL).
//
// Normalisation, the same on both backends: an empty slice is stored as absent and comes
// back nil (so do nil slices), and an empty SecretHash is stored as NULL and comes back nil.

// ClientRecord is a client as a backend writes it: checked against the ClientStore contract,
// with its metadata encoded as the stored JSON document.
type ClientRecord struct {
	Client model.Client
	// Metadata is the JSON document of Client.Metadata.
	Metadata []byte
}

// NewDynamicClientRecord checks c for ClientStore.CreateDynamic and encodes it.
func NewDynamicClientRecord(c model.Client) (ClientRecord, error) {
	if c.Origin != model.ClientDynamic {
		return ClientRecord{}, fmt.Errorf("store: client %q has origin %q, want %q", c.ID, c.Origin, model.ClientDynamic)
	}
	if len(c.SecretHash) > 0 && c.MetadataDigest != "" {
		// A digest shares one client_id between identical registrations; sharing a
		// confidential client would hand one registrant's credentials to another.
		return ClientRecord{}, fmt.Errorf("store: confidential client %q must not have a metadata digest", c.ID)
	}
	if err := checkTexts(namedText{"metadata digest", c.MetadataDigest}); err != nil {
		return ClientRecord{}, err
	}
	return newClientRecord(c)
}

// NewStaticClientRecords checks cs for ClientStore.SyncStatic and encodes them, sorted by ID:
// concurrent syncs (replicas starting together) then lock rows in one order and cannot
// deadlock each other.
func NewStaticClientRecords(cs []model.Client) ([]ClientRecord, error) {
	recs := make([]ClientRecord, 0, len(cs))
	for _, c := range cs {
		if c.Origin != model.ClientStatic {
			return nil, fmt.Errorf("store: client %q has origin %q, want %q", c.ID, c.Origin, model.ClientStatic)
		}
		if c.MetadataDigest != "" {
			return nil, fmt.Errorf("store: static client %q must not have a metadata digest", c.ID)
		}
		rec, err := newClientRecord(c)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b ClientRecord) int { return cmp.Compare(a.Client.ID, b.Client.ID) })
	for i := 1; i < len(recs); i++ {
		if recs[i].Client.ID == recs[i-1].Client.ID {
			return nil, fmt.Errorf("store: static client %q is listed twice", recs[i].Client.ID)
		}
	}
	return recs, nil
}

func newClientRecord(c model.Client) (ClientRecord, error) {
	if c.ID == "" {
		return ClientRecord{}, errors.New("store: client ID is empty")
	}
	if err := checkTexts(namedText{"client ID", c.ID}); err != nil {
		return ClientRecord{}, err
	}
	doc, err := encodeClientMetadata(c.Metadata)
	if err != nil {
		return ClientRecord{}, fmt.Errorf("store: client %q: %w", c.ID, err)
	}
	if len(c.SecretHash) == 0 {
		c.SecretHash = nil
	}
	return ClientRecord{Client: c, Metadata: doc}, nil
}

// clientMetadataDoc is the stored JSON form of model.ClientMetadata. The keys are the
// RFC 7591 §2 member names, so a stored document reads like the registration it came from.
// They are part of the schema: renaming one needs a migration.
type clientMetadataDoc struct {
	RedirectURIs             []string       `json:"redirect_uris,omitempty"`
	ResponseTypes            []string       `json:"response_types,omitempty"`
	GrantTypes               []string       `json:"grant_types,omitempty"`
	ApplicationType          string         `json:"application_type,omitempty"`
	TokenEndpointAuthMethod  string         `json:"token_endpoint_auth_method,omitempty"`
	ClientName               string         `json:"client_name,omitempty"`
	ClientURI                string         `json:"client_uri,omitempty"`
	LogoURI                  string         `json:"logo_uri,omitempty"`
	TOSURI                   string         `json:"tos_uri,omitempty"`
	PolicyURI                string         `json:"policy_uri,omitempty"`
	Contacts                 []string       `json:"contacts,omitempty"`
	Localized                []localizedDoc `json:"localized,omitempty"`
	IDTokenSignedResponseAlg string         `json:"id_token_signed_response_alg,omitempty"`
	PostLogoutRedirectURIs   []string       `json:"post_logout_redirect_uris,omitempty"`
}

// localizedDoc is one model.LocalizedValue. A list of objects rather than RFC 7591's
// "client_name#fr" members keeps the stored order, which model.ClientMetadata defines.
type localizedDoc struct {
	Field string `json:"field"`
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

func encodeClientMetadata(m model.ClientMetadata) ([]byte, error) {
	doc := clientMetadataDoc{
		RedirectURIs:             m.RedirectURIs,
		ResponseTypes:            m.ResponseTypes,
		GrantTypes:               m.GrantTypes,
		ApplicationType:          m.ApplicationType,
		TokenEndpointAuthMethod:  m.TokenEndpointAuthMethod,
		ClientName:               m.ClientName,
		ClientURI:                m.ClientURI,
		LogoURI:                  m.LogoURI,
		TOSURI:                   m.TOSURI,
		PolicyURI:                m.PolicyURI,
		Contacts:                 m.Contacts,
		IDTokenSignedResponseAlg: m.IDTokenSignedResponseAlg,
		PostLogoutRedirectURIs:   m.PostLogoutRedirectURIs,
	}
	for _, l := range m.Localized {
		doc.Localized = append(doc.Localized, localizedDoc(l))
	}
	// Every string must survive both backends and encoding/json; see validate.go.
	for _, s := range doc.strings() {
		if err := checkText("metadata value", s); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// URIs are full of '&'; the document is never embedded in HTML, so keep it readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode metadata: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// strings returns every string in the document.
func (d clientMetadataDoc) strings() []string {
	all := []string{d.ApplicationType, d.TokenEndpointAuthMethod, d.ClientName, d.ClientURI,
		d.LogoURI, d.TOSURI, d.PolicyURI, d.IDTokenSignedResponseAlg}
	for _, list := range [][]string{d.RedirectURIs, d.ResponseTypes, d.GrantTypes, d.Contacts, d.PostLogoutRedirectURIs} {
		all = append(all, list...)
	}
	for _, l := range d.Localized {
		all = append(all, l.Field, l.Lang, l.Value)
	}
	return all
}

// DecodeClientMetadata reads a metadata document written by a ClientRecord.
func DecodeClientMetadata(doc []byte) (model.ClientMetadata, error) {
	var d clientMetadataDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return model.ClientMetadata{}, fmt.Errorf("store: decode client metadata: %w", err)
	}
	m := model.ClientMetadata{
		RedirectURIs:             d.RedirectURIs,
		ResponseTypes:            d.ResponseTypes,
		GrantTypes:               d.GrantTypes,
		ApplicationType:          d.ApplicationType,
		TokenEndpointAuthMethod:  d.TokenEndpointAuthMethod,
		ClientName:               d.ClientName,
		ClientURI:                d.ClientURI,
		LogoURI:                  d.LogoURI,
		TOSURI:                   d.TOSURI,
		PolicyURI:                d.PolicyURI,
		Contacts:                 d.Contacts,
		IDTokenSignedResponseAlg: d.IDTokenSignedResponseAlg,
		PostLogoutRedirectURIs:   d.PostLogoutRedirectURIs,
	}
	for _, l := range d.Localized {
		m.Localized = append(m.Localized, model.LocalizedValue(l))
	}
	return m, nil
}
