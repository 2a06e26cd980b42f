//go:build windows

package main

import (
	"strings"

	"golang.org/x/sys/windows/registry"
)

// registryEudoraDirs returns the data folder of the Eudora command line
// that Eudora records in HKCU\Software\Qualcomm\Eudora\CommandLine, value
// Current: "<exe>" <datadir> <inifile>, each optionally quoted
// (docs/formats/windows-macos.md).
func registryEudoraDirs() []string {
	k, err := registry.OpenKey(registry.CURRENT_USER, `Software\Qualcomm\Eudora\CommandLine`, registry.QUERY_VALUE)
	if err != nil {
		return nil
	}
	defer k.Close()
	v, _, err := k.GetStringValue("Current")
	if err != nil {
		return nil
	}
	if f := commandLineFields(v); len(f) >= 2 {
		return []string{strings.TrimRight(f[1], `\`)}
	}
	return nil
}
