// Package clock owns the notion of "now". Every package that needs the time takes a Clock,
// so that tests can drive expiry and rotation with a Fake instead of sleeping (house rule 4).
package clock
