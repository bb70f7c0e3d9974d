package config

import "strings"

// The syntaxes gen.yaml's values must follow, matched byte by byte. Each
// function is exactly the anchored regular expression in its comment
// (syntax_test.go holds those expressions and checks every function
// against its own, fuzzing included): validating a 5,000-app gen.yaml
// runs about 100,000 of these matches, and package regexp made them a
// sixth of gen's start-up there.

func isLower(c byte) bool    { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool    { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool    { return '0' <= c && c <= '9' }
func isLowerNum(c byte) bool { return isLower(c) || isDigit(c) }
func isAlnum(c byte) bool    { return isLower(c) || isUpper(c) || isDigit(c) }

// every reports whether s is not empty and every byte of it is ok.
func every(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return s != ""
}

// innerRun reports whether s is first-byte end . middle* end-byte, or one
// end byte alone: the shape of [E]([M]*[E])?.
func innerRun(s string, end, middle func(byte) bool) bool {
	if s == "" || !end(s[0]) || !end(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !middle(s[i]) {
			return false
		}
	}
	return true
}

// everyPart reports whether every part of s between seps is ok.
func everyPart(s, sep string, ok func(string) bool) bool {
	for {
		part, rest, more := strings.Cut(s, sep)
		if !ok(part) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// isDNSLabelShape is ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ (no length limit).
func isDNSLabelShape(s string) bool {
	return innerRun(s, isLowerNum, func(c byte) bool { return isLowerNum(c) || c == '-' })
}

// isDNSSubdomainShape is ^L(\.L)*$ with L a DNS label shape (no length
// limit).
func isDNSSubdomainShape(s string) bool { return everyPart(s, ".", isDNSLabelShape) }

// isLabelName is ^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$.
func isLabelName(s string) bool {
	return innerRun(s, isAlnum, func(c byte) bool { return isAlnum(c) || c == '-' || c == '_' || c == '.' })
}

// isLabelValue is ^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$.
func isLabelValue(s string) bool { return s == "" || isLabelName(s) }

// isURLPath is ^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$.
func isURLPath(s string) bool {
	return strings.HasPrefix(s, "/") && every(s, func(c byte) bool {
		return isAlnum(c) || strings.IndexByte("._~!$&'()*+,;=:@%/-", c) >= 0
	})
}

// isPlainFieldKey is ^[A-Za-z0-9_./-]+$.
func isPlainFieldKey(s string) bool {
	return every(s, func(c byte) bool { return isAlnum(c) || c == '_' || c == '.' || c == '/' || c == '-' })
}

// isQuantity is ^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$.
func isQuantity(s string) bool {
	num := strings.TrimRight(s, "mkKMGTPEi")
	switch suffix := s[len(num):]; suffix {
	case "", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei":
	default:
		return false
	}
	whole, frac, dot := strings.Cut(num, ".")
	return every(whole, isDigit) && (!dot || every(frac, isDigit))
}

// isPauseDuration is ^[0-9]+(s|m|h)?$.
func isPauseDuration(s string) bool {
	if n := len(s); n > 0 && (s[n-1] == 's' || s[n-1] == 'm' || s[n-1] == 'h') {
		s = s[:n-1]
	}
	return every(s, isDigit)
}

// isImageRepository is an image reference without tag or digest: an
// optional registry host[:port] and lower-case path components,
//
//	^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*(:[0-9]+)?/)?
//	 [a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$
//
// A host holds no '/', so if there is one it is everything before the
// first '/'.
func isImageRepository(s string) bool {
	if isImagePath(s) {
		return true
	}
	host, path, ok := strings.Cut(s, "/")
	return ok && isRegistryHost(host) && isImagePath(path)
}

// isRegistryHost is ^H(\.H)*(:[0-9]+)?$ with H [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?.
func isRegistryHost(s string) bool {
	s, port, hasPort := strings.Cut(s, ":")
	if hasPort && !every(port, isDigit) {
		return false
	}
	return everyPart(s, ".", func(label string) bool {
		return innerRun(label, isAlnum, func(c byte) bool { return isAlnum(c) || c == '-' })
	})
}

// isImagePath is ^C(/C)*$ with C an image path component.
func isImagePath(s string) bool { return everyPart(s, "/", isImagePathComponent) }

// isImagePathComponent is ^[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*$: runs of
// lower-case letters and digits joined by one '.', one or two '_', or any
// number of '-'.
func isImagePathComponent(s string) bool {
	if s == "" || !isLowerNum(s[0]) || !isLowerNum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s); {
		if isLowerNum(s[i]) {
			i++
			continue
		}
		j := i // s[i:j] is a separator between two runs
		for j < len(s) && !isLowerNum(s[j]) {
			j++
		}
		switch sep := s[i:j]; {
		case sep == "." || sep == "_" || sep == "__":
		case strings.Trim(sep, "-") == "":
		default:
			return false
		}
		i = j
	}
	return true
}
