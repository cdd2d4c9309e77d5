package loyalty_test

import "github.com/aftercart/aftercart/server/errs"

// codeOf is an error's code, "" for nil.
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return string(errs.CodeOf(err))
}
