package synapsetest

import (
	"net/http"
	"regexp"
	"strings"
)

// maxUserIDLength is MAX_USERID_LENGTH (synapse/api/constants.py): the whole "@local:server".
const maxUserIDLength = 255

// pythonInt matches what Python's int() accepts among valid localpart characters: an
// optional sign, digits, single underscores between digits ("1_000"). check_username uses
// int() to reserve numeric localparts for guests, so all of these are refused.
var pythonInt = regexp.MustCompile(`^[+-]?[0-9]+(_[0-9]+)*$`)

// checkUsername is RegistrationHandler.check_username, with its checks in Synapse's order.
// The caller holds s.mu.
func (s *Server) checkUsername(localpart string) *apiError {
	invalid := func(msg string) *apiError { return newError(http.StatusBadRequest, codeInvalidUsername, msg) }
	switch {
	case strings.TrimLeft(localpart, "abcdefghijklmnopqrstuvwxyz0123456789._=-/+") != "":
		return invalid("User ID can only contain characters a-z, 0-9, or '=_-./+'")
	case localpart == "":
		return invalid("User ID cannot be empty")
	case localpart[0] == '_':
		return invalid("User ID may not begin with _")
	case s.exclusive[localpart]:
		return newError(http.StatusBadRequest, codeExclusive, "This user ID is reserved by an application service.")
	case len(s.userID(localpart)) > maxUserIDLength:
		return invalid("User ID may not be longer than 255 characters")
	case s.users[localpart] != nil:
		return newError(http.StatusBadRequest, codeUserInUse, "User ID already taken.")
	case pythonInt.MatchString(localpart):
		return invalid("Numeric user IDs are reserved for guest users.")
	}
	return nil
}
