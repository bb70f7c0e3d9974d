package config

// ParseSubset is parseSubset, for the tests that hold it to yaml.v3.
var ParseSubset = parseSubset
