package store

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
)

// TestClientMetadataEveryFieldRoundTrips fills every field of model.ClientMetadata by
// reflection, so a field added to the model but forgotten in clientMetadataDoc fails here
// (the conformance suite only sets the fields it knows about).
func TestClientMetadataEveryFieldRoundTrips(t *testing.T) {
	t.Parallel()
	var m model.ClientMetadata
	fill(t, reflect.ValueOf(&m).Elem(), "m")
	doc, err := encodeClientMetadata(m)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	got, err := DecodeClientMetadata(doc)
	if err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("round trip through %s (-want +got):\n%s", doc, diff)
	}
}

// fill sets every string in v to a value naming its path, and every slice to two elements.
func fill(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString(path + " & <é>")
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	default:
		t.Fatalf("%s: kind %s is not handled; extend fill and clientMetadataDoc", path, v.Kind())
	}
}

func TestEncodeClientMetadataIsReadable(t *testing.T) {
	t.Parallel()
	doc, err := encodeClientMetadata(model.ClientMetadata{
		RedirectURIs: []string{"https://a.example/cb?x=1&y=2"},
		Localized:    []model.LocalizedValue{{Field: "client_name", Lang: "fr", Value: "Élément"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"redirect_uris":["https://a.example/cb?x=1&y=2"],` +
		`"localized":[{"field":"client_name","lang":"fr","value":"Élément"}]}`
	if string(doc) != want {
		t.Errorf("encoded\n%s\nwant\n%s", doc, want)
	}
}
