//go:build !windows

package main

// registryEudoraDirs returns nothing: there is no registry here.
func registryEudoraDirs() []string { return nil }
