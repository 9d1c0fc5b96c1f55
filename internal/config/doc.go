// Package config owns mxauth's configuration tree: its defaults, loading from a YAML file
// (strict: an unknown key is an error that names the key and its line), the MXAUTH_*
// environment overrides and command-line overrides, and Validate, which lists every problem
// at once. Other packages receive narrow option structs built from a validated Config; none of
// them reads the environment (house rule 7).
package config
