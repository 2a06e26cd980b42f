package mime

import "strings"

// extensionTypes is the built-in extension table, modelled on the
// [Mappings] Eudora shipped (common document, image, audio, archive and
// text types of its time) plus the Office formats that came later. No
// message/* type: those may not be base64-encoded, so a saved .eml travels
// as application/octet-stream.
var extensionTypes = map[string]string{
	// text
	"txt": "text/plain", "text": "text/plain", "asc": "text/plain", "log": "text/plain",
	"htm": "text/html", "html": "text/html", "shtml": "text/html",
	"css": "text/css", "csv": "text/csv", "tsv": "text/tab-separated-values",
	"rtf": "text/rtf", "rtx": "text/richtext", "xml": "text/xml", "vcf": "text/vcard",
	"ics": "text/calendar", "vcs": "text/calendar", "mbx": "text/plain",
	"c": "text/plain", "h": "text/plain", "cpp": "text/plain", "java": "text/plain", "js": "text/javascript",
	// images
	"jpg": "image/jpeg", "jpeg": "image/jpeg", "jpe": "image/jpeg", "jfif": "image/jpeg",
	"gif": "image/gif", "png": "image/png", "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff",
	"ico": "image/x-icon", "pct": "image/pict", "pict": "image/pict", "pic": "image/pict",
	"psd": "image/vnd.adobe.photoshop", "svg": "image/svg+xml", "webp": "image/webp",
	"wmf": "image/wmf", "emf": "image/emf", "xbm": "image/x-xbitmap", "pcx": "image/x-pcx",
	// audio / video
	"wav": "audio/wav", "aif": "audio/aiff", "aiff": "audio/aiff", "aifc": "audio/aiff",
	"au": "audio/basic", "snd": "audio/basic", "mid": "audio/midi", "midi": "audio/midi",
	"mp3": "audio/mpeg", "m4a": "audio/mp4", "ra": "audio/x-pn-realaudio", "ram": "audio/x-pn-realaudio",
	"wma": "audio/x-ms-wma", "ogg": "audio/ogg",
	"mpg": "video/mpeg", "mpeg": "video/mpeg", "mpe": "video/mpeg", "mov": "video/quicktime",
	"qt": "video/quicktime", "avi": "video/x-msvideo", "wmv": "video/x-ms-wmv", "mp4": "video/mp4",
	"asf": "video/x-ms-asf", "flv": "video/x-flv",
	// documents
	"pdf": "application/pdf", "ps": "application/postscript", "eps": "application/postscript",
	"ai":  "application/postscript",
	"doc": "application/msword", "dot": "application/msword", "wri": "application/x-mswrite",
	"xls": "application/vnd.ms-excel", "xlt": "application/vnd.ms-excel", "xlw": "application/vnd.ms-excel",
	"ppt": "application/vnd.ms-powerpoint", "pps": "application/vnd.ms-powerpoint", "pot": "application/vnd.ms-powerpoint",
	"mdb": "application/x-msaccess", "mpp": "application/vnd.ms-project", "pub": "application/x-mspublisher",
	"vsd":  "application/vnd.visio",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"odt":  "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
	"odp": "application/vnd.oasis.opendocument.presentation",
	"wpd": "application/vnd.wordperfect", "wp": "application/vnd.wordperfect",
	"swf": "application/x-shockwave-flash", "tex": "application/x-tex", "dvi": "application/x-dvi",
	// security
	"p7s": "application/pkcs7-signature", "p7m": "application/pkcs7-mime", "p7c": "application/pkcs7-mime",
	"sig": "application/pgp-signature", "pgp": "application/pgp-encrypted", "gpg": "application/pgp-encrypted",
	"cer": "application/pkix-cert", "crt": "application/x-x509-ca-cert",
	// archives
	"zip": "application/zip", "gz": "application/gzip", "tgz": "application/gzip", "z": "application/x-compress",
	"tar": "application/x-tar", "sit": "application/x-stuffit", "sitx": "application/x-stuffitx",
	"hqx": "application/mac-binhex40", "bin": "application/octet-stream", "cpt": "application/mac-compactpro",
	"arj": "application/x-arj", "lzh": "application/x-lzh", "rar": "application/vnd.rar", "7z": "application/x-7z-compressed",
	"bz2": "application/x-bzip2", "uu": "text/x-uuencode", "uue": "text/x-uuencode",
	// programs
	"exe": "application/octet-stream", "com": "application/octet-stream", "dll": "application/octet-stream",
	"msi": "application/x-msi", "bat": "application/x-msdos-program", "class": "application/java-vm",
	"jar": "application/java-archive",
}

// TypeByExtension returns the content type for a file name extension
// (with or without the leading dot, any case) from the built-in table, or ""
// when the extension is unknown.
func TypeByExtension(ext string) string {
	ext = strings.ToLower(strings.TrimPrefix(ext, "."))
	return extensionTypes[ext]
}

// macTypes maps Mac Finder file types to content types.
var macTypes = map[string]string{
	"TEXT": "text/plain", "ttro": "text/plain", "utxt": "text/plain",
	"HTML": "text/html", "RTF ": "text/rtf",
	"PDF ": "application/pdf", "EPSF": "application/postscript",
	"JPEG": "image/jpeg", "JPG ": "image/jpeg", "GIFf": "image/gif", "GIF ": "image/gif",
	"PNGf": "image/png", "PNG ": "image/png", "TIFF": "image/tiff", "PICT": "image/pict",
	"BMP ": "image/bmp", "BMPf": "image/bmp", "8BPS": "image/vnd.adobe.photoshop",
	"MooV": "video/quicktime", "MPEG": "video/mpeg", "MPG ": "video/mpeg",
	"AIFF": "audio/aiff", "AIFC": "audio/aiff", "WAVE": "audio/wav", "Mp3 ": "audio/mpeg",
	"MP3 ": "audio/mpeg", "MPG3": "audio/mpeg", "Midi": "audio/midi", "sfil": "audio/x-mac-sound",
	"W8BN": "application/msword", "W6BN": "application/msword", "WDBN": "application/msword",
	"XLS8": "application/vnd.ms-excel", "XLS5": "application/vnd.ms-excel", "XLS ": "application/vnd.ms-excel",
	"SLD8": "application/vnd.ms-powerpoint", "PPT3": "application/vnd.ms-powerpoint",
	"ZIP ": "application/zip", "SIT!": "application/x-stuffit", "SITD": "application/x-stuffit",
	"SIT5": "application/x-stuffit", "BINA": "application/octet-stream", "APPL": "application/octet-stream",
	"TARF": "application/x-tar", "Gzip": "application/gzip",
}

// TypeByMacType returns the content type for a 4-character Mac Finder file
// type ("JPEG", "PDF ", "TEXT"), or "" when it is unknown or blank.
func TypeByMacType(t string) string {
	return macTypes[t]
}

// macCreators maps Mac Finder creator codes of applications that wrote one
// kind of document to that kind. It is consulted only when neither the
// extension, the Finder type nor the content decided.
var macCreators = map[string]string{
	"MSWD": "application/msword", "XCEL": "application/vnd.ms-excel",
	"PPT3": "application/vnd.ms-powerpoint", "CARO": "application/pdf",
	"8BIM": "image/vnd.adobe.photoshop", "GKON": "image/tiff",
}

// TypeByMacCreator returns the content type for a 4-character Mac Finder
// creator code of an application that writes one kind of document
// ("MSWD", "XCEL", "CARO"), or "" when the creator does not say.
func TypeByMacCreator(c string) string {
	return macCreators[c]
}

// typeByName is the content type a detached file's name extension, then its
// Mac type, give it; "" when neither gives a useful one (unknown, or
// application/octet-stream).
func typeByName(name, macType string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 && i < len(name)-1 {
		if t := TypeByExtension(name[i+1:]); t != "" && t != octetStreamType {
			return t
		}
	}
	if t := TypeByMacType(macType); t != "" && t != octetStreamType {
		return t
	}
	return ""
}

const octetStreamType = "application/octet-stream"

// contentTypeFor chooses the content type of a detached file: its name's
// extension, then its Mac type, then what its content says (sniffed, from
// SniffContentType, may be ""), then its Mac creator, else
// application/octet-stream.
func contentTypeFor(name, macType, macCreator, sniffed string) string {
	if t := typeByName(name, macType); t != "" {
		return t
	}
	if sniffed != "" && sniffed != octetStreamType {
		return sniffed
	}
	if t := TypeByMacCreator(macCreator); t != "" {
		return t
	}
	return octetStreamType
}
