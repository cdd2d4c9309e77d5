// Package money is aftercart's representation of an amount of money: an exact
// integer count of minor units (cents, fils, yen) plus an ISO 4217 currency
// code.
//
// Amounts never pass through float64. The API exchanges them as decimal
// strings ({ amount: "12.34", currencyCode: "EUR" }); [Parse] turns such a
// string into minor units exactly and refuses anything it would have to round,
// and [Money.Amount] formats minor units back. Parse(m.Amount()) == m for every
// amount Parse accepts.
//
// # Minor units come from CLDR, not from ISO 4217
//
// The number of minor digits of a currency ([Scale]) is the standard rounding
// of golang.org/x/text/currency, whose tables are CLDR 32 (x/text v0.43.0).
// CLDR gives the digits people actually use, and for these currencies that is
// fewer than ISO 4217's minor units:
//
//	scale 0 here, 2 in ISO 4217: AFN ALL AMD COP GYD IDR IRR KPW LAK LBP MGA
//	                              MMK MNT MRO MUR PKR RSD SLL SOS SYP TZS UZS YER
//	scale 0 here, 3 in ISO 4217: IQD
//
// For those, "1000.50" is rejected and Money.Minor counts whole units. The
// common cases agree with ISO: JPY, KRW, CLP, ISK 0; USD, EUR, GBP 2; BHD,
// JOD, KWD, LYD, OMR, TND 3.
//
// Minor is stored in the database, so a scale must never change under stored
// rows: a new x/text that changed one would silently multiply or divide
// amounts by powers of ten. TestScaleGolden pins every scale and fails on such
// an upgrade; resolve it with a data migration, not by updating the golden
// table.
//
// # Accepted currencies
//
// [ParseCurrency] accepts the codes x/text lists as current legal tender
// somewhere (155 codes). It refuses historical codes (DEM, LTL), funds and
// precious metals (XAU, CLF) and XXX/XTS. Because the CLDR 32 snapshot is from
// 2017, codes introduced since (VES, MRU, SLE, ZWG, XCG) are refused and HRK
// is still accepted.
package money
