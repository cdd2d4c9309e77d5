package main

import (
	"fmt"
	"strings"
)

// macros are the formatting expressions statement repeats, written once:
// NAME(arg, ...) in the statement becomes the template with {0}, {1}, ...
// replaced by the arguments.
var macros = map[string]string{
	// TS formats a timestamptz as Go's time.RFC3339Nano in UTC (what
	// aftercart's Time scalar writes): seconds, then the fraction with its
	// trailing zeros trimmed, if any. NULL stays NULL.
	"TS": `(to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')` +
		` || CASE WHEN extract(microseconds FROM {0})::bigint % 1000000 = 0 THEN ''` +
		` ELSE '.' || rtrim(to_char({0} AT TIME ZONE 'UTC', 'US'), '0') END || 'Z')`,
	// AMOUNT formats integer minor units with two decimals: "12.30", "0.05",
	// "-0.50".
	"AMOUNT": `((CASE WHEN {0} < 0 THEN '-' ELSE '' END) || (abs({0}) / 100)::text || '.'` +
		` || lpad((abs({0}) % 100)::text, 2, '0'))`,
	// CURSOR encodes an events page cursor as entgql does: msgpack
	// {"i": id as uint64 (0xcf), "v": time as msgpack's timestamp extension
	// (-1): 32-bit seconds when there is no fraction, else 64-bit
	// nanoseconds<<34 | seconds)}, in unpadded standard base64.
	"CURSOR": `rtrim(encode('\x82a169cf'::bytea || int8send({0}) || '\xa176'::bytea || CASE` +
		` WHEN extract(microseconds FROM {1})::bigint % 1000000 = 0 AND extract(epoch FROM {1}) < 4294967296` +
		` THEN '\xd6ff'::bytea || substring(int8send(floor(extract(epoch FROM {1}))::bigint) FROM 5 FOR 4)` +
		` ELSE '\xd7ff'::bytea || int8send(((extract(microseconds FROM {1})::bigint % 1000000 * 1000) << 34)` +
		` | floor(extract(epoch FROM {1}))::bigint) END, 'base64'), '=')`,
}

// expand replaces every macro call in sql. It panics on a malformed call:
// sql is a constant of this program.
func expand(sql string) string {
	for name, tmpl := range macros {
		for {
			at := callAt(sql, name)
			if at < 0 {
				break
			}
			args, end := callArgs(sql, at+len(name)+1)
			out := tmpl
			for i, a := range args {
				out = strings.ReplaceAll(out, fmt.Sprintf("{%d}", i), a)
			}
			if strings.Contains(tmpl, fmt.Sprintf("{%d}", len(args))) {
				panic(fmt.Sprintf("ceiling: %s called with %d arguments, needs more", name, len(args)))
			}
			sql = sql[:at] + out + sql[end:]
		}
	}
	return sql
}

// callAt returns where the first call of name starts in sql, or -1: name
// followed by "(" and not preceded by a letter, digit or _ (so TS does not
// match EXISTS).
func callAt(sql, name string) int {
	for from := 0; ; {
		i := strings.Index(sql[from:], name+"(")
		if i < 0 {
			return -1
		}
		i += from
		if i == 0 || !isIdent(sql[i-1]) {
			return i
		}
		from = i + 1
	}
}

func isIdent(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// callArgs splits the arguments of the call whose "(" ends at start, and
// returns them with the index just past the closing ")".
func callArgs(sql string, start int) (args []string, end int) {
	depth, from := 0, start
	for i := start; i < len(sql); i++ {
		switch sql[i] {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return append(args, strings.TrimSpace(sql[from:i])), i + 1
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(sql[from:i]))
				from = i + 1
			}
		}
	}
	panic("ceiling: unbalanced macro call in the statement")
}
