// Package formatreg holds what the format packages' init functions share
// when they register with mailconv.RegisterFormat: adapters from a
// package's own Open and Create, which return the package's types, to the
// function types of mailconv.Format.
package formatreg
