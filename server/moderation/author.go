package moderation

import (
	"strings"
	"unicode/utf8"
)

// Author is how customer content names its author to other viewers
// (GraphQL Author): a display name, never an email.
type Author struct {
	DisplayName string
}

// DisplayName is the first name and the initial of the last ("Mina O."):
// enough for a shopper to recognise a person, too little to find them.
// Without a first name it is "Customer", never a part of the email.
func DisplayName(first, last string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" {
		return "Customer"
	}
	if r, _ := utf8.DecodeRuneInString(last); last != "" && r != utf8.RuneError {
		return first + " " + strings.ToUpper(string(r)) + "."
	}
	return first
}
