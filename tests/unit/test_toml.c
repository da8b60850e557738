/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/toml.c */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shared/toml.h"
#include "tests/unit/helpers.h"

static struct toml_value *parse(const char *doc)
{
	struct toml_value *root = NULL;
	struct cubo_error *err = toml_parse(doc, strlen(doc), "test.toml", &root);
	if (err)
		fail_msg("%s\n---\n%s", err->msg, doc);
	assert_int_equal(root->type, TOML_TABLE);
	return root;
}

/* The value at a dotted path of bare keys, each step a table. */
static const struct toml_value *get(const struct toml_value *t, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
		t = toml_table_get(t, k);
		if (!t)
			fail_msg("no %s (at %s)", path, k);
	}
	return t;
}

static void assert_str(const struct toml_value *t, const char *path, const char *want)
{
	const struct toml_value *v = get(t, path);
	assert_int_equal(v->type, TOML_STRING);
	assert_string_equal(v->string.s, want);
	assert_int_equal(v->string.len, strlen(want));
}

static void assert_int(const struct toml_value *t, const char *path, int64_t want)
{
	const struct toml_value *v = get(t, path);
	assert_int_equal(v->type, TOML_INTEGER);
	if (v->integer != want)
		fail_msg("%s: %lld, want %lld", path, (long long)v->integer, (long long)want);
}

static void assert_float(const struct toml_value *t, const char *path, double want)
{
	const struct toml_value *v = get(t, path);
	assert_int_equal(v->type, TOML_FLOAT);
	if (v->fp != want)
		fail_msg("%s: %.17g, want %.17g", path, v->fp, want);
}

static void test_strings(void **state)
{
	struct toml_value *r = parse(
		"esc = \"b\\b t\\t n\\n f\\f r\\r q\\\" bs\\\\ u\\u00e9 U\\U0001F600\"\n"
		"quoted = \"She said \\\"hi\\\"\"\n"
		"empty = \"\"\n"
		"tab = \"a\tb\"\n"
		"lit = 'C:\\Users\\nodejs\\templates'\n"
		"lit_quote = '<\\i\\c*\\s*>\"'\n"
		"lit_empty = ''\n"
		"ml = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n"
		"ml_crlf = \"\"\"\r\none\r\ntwo\"\"\"\n"
		"ml_trim = \"\"\"\\\n    The quick \\\n\n    brown \\   \n    fox.\\\n    \"\"\"\n"
		"ml_quotes = \"\"\"Here are two quotes: \"\". Simple.\"\"\"\n"
		"ml_end = \"\"\"\"ends with quotes\"\"\"\"\"\n"
		"ml_esc = \"\"\"a\\tb\\u0041\"\"\"\n"
		"mll = '''\nThe first newline is\ntrimmed in raw strings.\n   \\n stays'''\n"
		"mll_quotes = ''''That,' she said, 'is.'''''\n"
		"mll_one = '''x'''\n");
	assert_str(r, "esc", "b\b t\t n\n f\f r\r q\" bs\\ u\xc3\xa9 U\xf0\x9f\x98\x80");
	assert_str(r, "quoted", "She said \"hi\"");
	assert_str(r, "empty", "");
	assert_str(r, "tab", "a\tb");
	assert_str(r, "lit", "C:\\Users\\nodejs\\templates");
	assert_str(r, "lit_quote", "<\\i\\c*\\s*>\"");
	assert_str(r, "lit_empty", "");
	assert_str(r, "ml", "Roses are red\nViolets are blue");
	assert_str(r, "ml_crlf", "one\ntwo");
	assert_str(r, "ml_trim", "The quick brown fox.");
	assert_str(r, "ml_quotes", "Here are two quotes: \"\". Simple.");
	assert_str(r, "ml_end", "\"ends with quotes\"\"");
	assert_str(r, "ml_esc", "a\tbA");
	assert_str(r, "mll", "The first newline is\ntrimmed in raw strings.\n   \\n stays");
	assert_str(r, "mll_quotes", "'That,' she said, 'is.''");
	assert_str(r, "mll_one", "x");
	toml_free(r);
}

/* \u0000 is a character like any other: the length says where the string ends. */
static void test_string_nul(void **state)
{
	struct toml_value *r = parse("a = \"x\\u0000y\"\n\"k\\u0000\" = 1\n");
	const struct toml_value *a = toml_table_get(r, "a");
	assert_int_equal(a->string.len, 3);
	assert_memory_equal(a->string.s, "x\0y", 4);
	assert_int_equal(r->table.v[1].key_len, 2);
	assert_memory_equal(r->table.v[1].key, "k\0", 3);
	toml_free(r);
}

static void test_integers(void **state)
{
	struct toml_value *r =
		parse("a = +99\nb = 42\nc = 0\nd = -17\ne = +0\nf = -0\n"
		      "g = 1_000\nh = 5_349_221\ni = 1_2_3_4_5\n"
		      "hex = 0xDEADBEEF\nhex2 = 0xdead_beef\nhex3 = 0x00ff\n"
		      "oct = 0o755\noct2 = 0o0_1\nbin = 0b1101_0110\n"
		      "max = 9223372036854775807\nmin = -9223372036854775808\n"
		      "hexmax = 0x7FFFFFFFFFFFFFFF\n"
		      "binmax = 0b111111111111111111111111111111111111111111111111111111111"
		      "111111\n");
	assert_int(r, "a", 99);
	assert_int(r, "b", 42);
	assert_int(r, "c", 0);
	assert_int(r, "d", -17);
	assert_int(r, "e", 0);
	assert_int(r, "f", 0);
	assert_int(r, "g", 1000);
	assert_int(r, "h", 5349221);
	assert_int(r, "i", 12345);
	assert_int(r, "hex", 0xDEADBEEF);
	assert_int(r, "hex2", 0xdeadbeef);
	assert_int(r, "hex3", 255);
	assert_int(r, "oct", 0755);
	assert_int(r, "oct2", 1);
	assert_int(r, "bin", 0xD6);
	assert_int(r, "max", INT64_MAX);
	assert_int(r, "min", INT64_MIN);
	assert_int(r, "hexmax", INT64_MAX);
	assert_int(r, "binmax", INT64_MAX);
	toml_free(r);
}

static void test_floats(void **state)
{
	struct toml_value *r = parse("a = +1.0\nb = 3.1415\nc = -0.01\nd = 5e+22\ne = 1e06\n"
				     "f = -2E-2\ng = 6.626e-34\nh = 224_617.445_991\ni = 1e1_0\n"
				     "j = 0.0\nk = -0.0\nl = 0e0\nm = 1E5\n"
				     "inf1 = inf\ninf2 = +inf\ninf3 = -inf\n"
				     "nan1 = nan\nnan2 = +nan\nnan3 = -nan\n");
	assert_float(r, "a", 1.0);
	assert_float(r, "b", 3.1415);
	assert_float(r, "c", -0.01);
	assert_float(r, "d", 5e22);
	assert_float(r, "e", 1e6);
	assert_float(r, "f", -2e-2);
	assert_float(r, "g", 6.626e-34);
	assert_float(r, "h", 224617.445991);
	assert_float(r, "i", 1e10);
	assert_float(r, "j", 0.0);
	assert_float(r, "k", 0.0);
	assert_true(signbit(get(r, "k")->fp));
	assert_float(r, "l", 0.0);
	assert_float(r, "m", 1e5);
	assert_float(r, "inf1", INFINITY);
	assert_float(r, "inf2", INFINITY);
	assert_float(r, "inf3", -INFINITY);
	assert_true(isnan(get(r, "nan1")->fp));
	assert_true(isnan(get(r, "nan2")->fp));
	assert_true(isnan(get(r, "nan3")->fp));
	assert_true(signbit(get(r, "nan3")->fp));
	toml_free(r);
}

static void test_bools(void **state)
{
	struct toml_value *r = parse("t = true\nf = false # no\n");
	assert_int_equal(get(r, "t")->type, TOML_BOOL);
	assert_true(get(r, "t")->boolean);
	assert_false(get(r, "f")->boolean);
	toml_free(r);
}

static void assert_dt(const struct toml_value *r, const char *path, enum toml_datetime_kind kind,
		      int y, int mo, int d, int h, int mi, int s, int ns, int off)
{
	const struct toml_value *v = get(r, path);
	assert_int_equal(v->type, TOML_DATETIME);
	const struct toml_datetime *t = &v->datetime;
	if (t->kind != kind || t->year != y || t->month != mo || t->day != d || t->hour != h ||
	    t->minute != mi || t->second != s || t->nanosecond != ns || t->offset_minutes != off)
		fail_msg("%s: kind %d %04d-%02d-%02d %02d:%02d:%02d.%09d %+d", path, t->kind,
			 t->year, t->month, t->day, t->hour, t->minute, t->second, t->nanosecond,
			 t->offset_minutes);
}

static void test_datetimes(void **state)
{
	struct toml_value *r = parse("odt1 = 1979-05-27T07:32:00Z\n"
				     "odt2 = 1979-05-27T00:32:00-07:00\n"
				     "odt3 = 1979-05-27T00:32:00.999999+05:30\n"
				     "odt4 = 1979-05-27 07:32:00z\n"
				     "odt5 = 1979-05-27t07:32:00.1234567891-00:00\n"
				     "ldt1 = 1979-05-27T07:32:00\n"
				     "ldt2 = 1979-05-27 00:32:00.5\n"
				     "ld1 = 1979-05-27\n"
				     "ld2 = 2000-02-29 # leap\n"
				     "lt1 = 07:32:00\n"
				     "lt2 = 00:32:00.000000001\n"
				     "leap = 1990-12-31T23:59:60Z\n"
				     "arr = [1979-05-27, 07:32:00, 1979-05-27 07:32:00]\n");
	assert_dt(r, "odt1", TOML_OFFSET_DATETIME, 1979, 5, 27, 7, 32, 0, 0, 0);
	assert_dt(r, "odt2", TOML_OFFSET_DATETIME, 1979, 5, 27, 0, 32, 0, 0, -420);
	assert_dt(r, "odt3", TOML_OFFSET_DATETIME, 1979, 5, 27, 0, 32, 0, 999999000, 330);
	assert_dt(r, "odt4", TOML_OFFSET_DATETIME, 1979, 5, 27, 7, 32, 0, 0, 0);
	assert_dt(r, "odt5", TOML_OFFSET_DATETIME, 1979, 5, 27, 7, 32, 0, 123456789, 0);
	assert_dt(r, "ldt1", TOML_LOCAL_DATETIME, 1979, 5, 27, 7, 32, 0, 0, 0);
	assert_dt(r, "ldt2", TOML_LOCAL_DATETIME, 1979, 5, 27, 0, 32, 0, 500000000, 0);
	assert_dt(r, "ld1", TOML_LOCAL_DATE, 1979, 5, 27, 0, 0, 0, 0, 0);
	assert_dt(r, "ld2", TOML_LOCAL_DATE, 2000, 2, 29, 0, 0, 0, 0, 0);
	assert_dt(r, "lt1", TOML_LOCAL_TIME, 0, 0, 0, 7, 32, 0, 0, 0);
	assert_dt(r, "lt2", TOML_LOCAL_TIME, 0, 0, 0, 0, 32, 0, 1, 0);
	assert_dt(r, "leap", TOML_OFFSET_DATETIME, 1990, 12, 31, 23, 59, 60, 0, 0);
	const struct toml_value *a = get(r, "arr");
	assert_int_equal(a->array.n, 3);
	assert_int_equal(a->array.v[0]->datetime.kind, TOML_LOCAL_DATE);
	assert_int_equal(a->array.v[1]->datetime.kind, TOML_LOCAL_TIME);
	assert_int_equal(a->array.v[2]->datetime.kind, TOML_LOCAL_DATETIME);
	toml_free(r);
}

static void test_arrays(void **state)
{
	struct toml_value *r = parse("ints = [ 1, 2, 3 ]\n"
				     "empty = []\n"
				     "empty2 = [ # nothing\n]\n"
				     "nested = [ [ 1, 2 ], [\"a\", 'b', \"\"\"c\"\"\", '''d'''] ]\n"
				     "mixed = [ 0.1, 2, \"x\", true, { a = 1 }, [], 1979-05-27 ]\n"
				     "multi = [\n  1, # one\n\n  2 # two\n  , 3,\n]\r\n"
				     "trailing = [1,2,]\n");
	const struct toml_value *v = get(r, "ints");
	assert_int_equal(v->type, TOML_ARRAY);
	assert_int_equal(v->array.n, 3);
	assert_int_equal(v->array.v[2]->integer, 3);
	assert_int_equal(get(r, "empty")->array.n, 0);
	assert_int_equal(get(r, "empty2")->array.n, 0);
	v = get(r, "nested");
	assert_int_equal(v->array.n, 2);
	assert_int_equal(v->array.v[0]->array.n, 2);
	assert_string_equal(v->array.v[1]->array.v[3]->string.s, "d");
	v = get(r, "mixed");
	enum toml_type types[] = {TOML_FLOAT, TOML_INTEGER, TOML_STRING,  TOML_BOOL,
				  TOML_TABLE, TOML_ARRAY,   TOML_DATETIME};
	assert_int_equal(v->array.n, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(v->array.v[i]->type, types[i]);
	assert_int(v->array.v[4], "a", 1);
	v = get(r, "multi");
	assert_int_equal(v->array.n, 3);
	assert_int_equal(v->array.v[0]->line, 8);
	assert_int_equal(v->array.v[1]->line, 10);
	assert_int_equal(get(r, "trailing")->array.n, 2);
	toml_free(r);
}

static void test_inline_tables(void **state)
{
	struct toml_value *r = parse("name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
				     "point = {x=1,y=2}\n"
				     "empty = {}\n"
				     "animal = { type.name = \"pug\", type.age = 3 }\n"
				     "deep = { a = { b = { c = [ { d = 1 } ] } } }\n"
				     "ml = { s = \"\"\"two\nlines\"\"\", a = [\n1,\n2] }\n");
	assert_str(r, "name.first", "Tom");
	assert_str(r, "name.last", "Preston-Werner");
	assert_int(r, "point.y", 2);
	assert_int_equal(get(r, "empty")->type, TOML_TABLE);
	assert_int_equal(get(r, "empty")->table.n, 0);
	assert_str(r, "animal.type.name", "pug");
	assert_int(r, "animal.type.age", 3);
	assert_int(get(r, "deep.a.b.c")->array.v[0], "d", 1);
	assert_str(r, "ml.s", "two\nlines");
	assert_int_equal(get(r, "ml.a")->array.n, 2);
	toml_free(r);
}

static void test_keys(void **state)
{
	struct toml_value *r = parse("key = 1\nbare_key = 2\nbare-key = 3\n1234 = 4\n"
				     "\"127.0.0.1\" = 5\n\"character encoding\" = 6\n"
				     "\"\xca\x8e\xc7\x9d\xca\x9e\" = 7\n'key2' = 8\n"
				     "'quoted \"value\"' = 9\n\"\" = 10\n"
				     "physical.color = \"orange\"\nphysical.shape = \"round\"\n"
				     "site.\"google.com\" = true\n"
				     "fruit . flavor = \"banana\"\n"
				     "3.14159 = \"pi\"\n");
	assert_int(r, "key", 1);
	assert_int(r, "bare-key", 3);
	assert_int(r, "1234", 4);
	assert_int_equal(toml_table_get(r, "127.0.0.1")->integer, 5);
	assert_int_equal(toml_table_get(r, "character encoding")->integer, 6);
	assert_int_equal(toml_table_get(r, "\xca\x8e\xc7\x9d\xca\x9e")->integer, 7);
	assert_int(r, "key2", 8);
	assert_int_equal(toml_table_get(r, "quoted \"value\"")->integer, 9);
	assert_int_equal(toml_table_get(r, "")->integer, 10);
	assert_str(r, "physical.shape", "round");
	assert_true(toml_table_get(get(r, "site"), "google.com")->boolean);
	assert_str(r, "fruit.flavor", "banana");
	assert_str(r, "3.14159", "pi");
	/* the keys keep the order they were written in */
	const char *order[] = {"key", "bare_key", "bare-key", "1234", "127.0.0.1"};
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(r->table.v[i].key, order[i]);
	toml_free(r);
}

static void test_tables(void **state)
{
	struct toml_value *r = parse("top = 0\n"
				     "[table-1]\nkey1 = \"some string\"\n"
				     "[dog.\"tater.man\"]\ntype.name = \"pug\"\n"
				     "[ j . \"k\" . 'l' ]\n"
				     "[x.y.z.w] # implicit x, x.y, x.y.z\n"
				     "[x] # defined after its sub-table: fine\n"
				     "a = 1\n"
				     "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n"
				     "[fruit.apple.texture] # a sub-table of a dotted-key table\n"
				     "smooth = true\n"
				     "[empty]\n");
	assert_int(r, "top", 0);
	assert_str(r, "table-1.key1", "some string");
	assert_str(toml_table_get(get(r, "dog"), "tater.man"), "type.name", "pug");
	assert_int_equal(get(r, "j.k.l")->type, TOML_TABLE);
	assert_int_equal(get(r, "x.y.z.w")->table.n, 0);
	assert_int(r, "x.a", 1);
	assert_true(get(r, "fruit.apple.taste.sweet")->boolean);
	assert_true(get(r, "fruit.apple.texture.smooth")->boolean);
	assert_int_equal(get(r, "empty")->table.n, 0);
	/* a table defined by its header is where the header is */
	assert_int_equal(get(r, "x")->line, 8);
	assert_int_equal(get(r, "x")->col, 1);
	toml_free(r);
}

static void test_arrays_of_tables(void **state)
{
	struct toml_value *r = parse("[[products]]\nname = \"Hammer\"\nsku = 738594937\n"
				     "[[products]]  # empty\n"
				     "[[products]]\nname = \"Nail\"\n"
				     "[[fruits]]\nname = \"apple\"\n"
				     "[fruits.physical]\ncolor = \"red\"\n"
				     "[[fruits.varieties]]\nname = \"red delicious\"\n"
				     "[[fruits.varieties]]\nname = \"granny smith\"\n"
				     "[[fruits]]\nname = \"banana\"\n"
				     "[[fruits.varieties]]\nname = \"plantain\"\n"
				     "[[a.b]]\nx = 1\n[a]\ny = 2\n");
	const struct toml_value *p = get(r, "products");
	assert_int_equal(p->type, TOML_ARRAY);
	assert_int_equal(p->array.n, 3);
	assert_str(p->array.v[0], "name", "Hammer");
	assert_int_equal(p->array.v[1]->table.n, 0);
	assert_int_equal(p->array.v[1]->line, 4);
	assert_str(p->array.v[2], "name", "Nail");
	const struct toml_value *f = get(r, "fruits");
	assert_int_equal(f->array.n, 2);
	assert_str(f->array.v[0], "physical.color", "red");
	assert_int_equal(get(f->array.v[0], "varieties")->array.n, 2);
	assert_str(get(f->array.v[0], "varieties")->array.v[1], "name", "granny smith");
	assert_str(get(f->array.v[1], "varieties")->array.v[0], "name", "plantain");
	assert_int(get(r, "a.b")->array.v[0], "x", 1);
	assert_int(r, "a.y", 2);
	toml_free(r);
}

/* Lines and columns count characters, not bytes; CRLF ends a line too. */
static void test_positions(void **state)
{
	struct toml_value *r = parse("# comment\r\n"
				     "\"\xc3\xa9t\xc3\xa9\" = { \"\xc3\xa0\" = 1 }\n"
				     "\"\xc3\xa9\" = 'x' # \xf0\x9f\x98\x80\n"
				     "\t[t]\n"
				     "   k = [ 1,\n  2 ]\n");
	const struct toml_entry *e = &r->table.v[0];
	assert_int_equal(e->line, 2);
	assert_int_equal(e->col, 1);
	assert_int_equal(e->value->line, 2);
	assert_int_equal(e->value->col, 9);
	assert_int_equal(e->value->table.v[0].col, 11);
	assert_int_equal(e->value->table.v[0].value->col, 17);
	e = &r->table.v[1];
	assert_int_equal(e->line, 3);
	assert_int_equal(e->col, 1);
	assert_int_equal(e->value->col, 7);
	const struct toml_value *t = get(r, "t");
	assert_int_equal(t->line, 4);
	assert_int_equal(t->col, 2);
	const struct toml_value *k = get(r, "t.k");
	assert_int_equal(k->line, 5);
	assert_int_equal(k->col, 8);
	assert_int_equal(k->array.v[1]->line, 6);
	assert_int_equal(k->array.v[1]->col, 3);
	toml_free(r);
}

static void test_documents(void **state)
{
	const char *ok[] = {
		"",
		"\n\n\r\n",
		"# only a comment",
		"\xef\xbb\xbf"
		"a = 1",
		"a = 1 # comment without newline",
		"a = 1\r\nb = 2\r\n",
		"[a]\n[b]\n[a.c]\n",
		"a = \"# not a comment\" # but this is",
		"a = [\n# c\n]",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		toml_free(parse(ok[i]));
}

static const struct {
	const char *doc, *at, *msg;
} bad[] = {
	{"a = 1\na = 2", "2:1", "duplicate key \"a\" (first defined at line 1)"},
	{"[a]\n[a]", "2:2", "duplicate table \"a\" (first defined at line 1)"},
	{"[a]\nb = 1\n[a.b]", "3:4", "duplicate key \"a.b\" (first defined at line 2)"},
	{"a.b = 1\na.b.c = 2", "2:3", "duplicate key \"a.b\" (first defined at line 1)"},
	{"a.b.c = 1\n[a.b]", "2:4",
	 "table \"a.b\" was defined by dotted keys: it cannot have a [header] (first defined at "
	 "line 1)"},
	{"[a.b.c]\nz = 9\n[a]\nb.c.t = 1", "4:3",
	 "cannot add to table \"b.c\" with a dotted key: it has a [header] (first defined at line "
	 "1)"},
	{"a = [1]\n[[a]]", "2:3", "cannot append to static array \"a\" (first defined at line 1)"},
	{"[[a]]\n[a]", "2:2", "\"a\" is an array of tables, not a table (first defined at line 1)"},
	{"[[a.b]]\n[[a]]", "2:3",
	 "\"a\" is a table, not an array of tables (first defined at line 1)"},
	{"a = {b = 1}\n[a.c]", "2:2",
	 "cannot add a table to inline table \"a\" (first defined at line 1)"},
	{"a = {b = 1}\na.c = 2", "2:1",
	 "cannot add to inline table \"a\" (first defined at line 1)"},
	{"a = {b = {}, b.c = 1}", "1:14",
	 "cannot add to inline table \"b\" (first defined at line 1)"},
	{"a = {}\n[a]", "2:2", "cannot redefine inline table \"a\" (first defined at line 1)"},
	{"[[a.b]]\n[a]\nb.y = 2", "3:1",
	 "cannot add to array \"b\" with a dotted key (first defined at line 1)"},
	{"a = [{b = 1}]\n[a.b]", "2:2",
	 "cannot add a table to static array \"a\" (first defined at line 1)"},
	{"a = \"\\x41\"", "1:6", "invalid escape sequence \"\\x\""},
	{"a = \"\\e\"", "1:6", "invalid escape sequence \"\\e\""},
	{"a = \"\\ \"", "1:6",
	 "invalid escape sequence: a backslash must be followed by one of b t n f r \" \\ u U"},
	{"a = \"\\uD800\"", "1:6", "\\uD800 is not a Unicode scalar value"},
	{"a = \"\\U00110000\"", "1:6", "\\U00110000 is not a Unicode scalar value"},
	{"a = \"\\u12G4\"", "1:6", "\\u needs 4 hexadecimal digits"},
	{"a = \"abc", "1:5", "unterminated string"},
	{"a = 'abc", "1:5", "unterminated string"},
	{"a = \"\"\"abc", "1:5", "unterminated multi-line string"},
	{"a = '''abc", "1:5", "unterminated multi-line string"},
	{"a = \"a\nb\"", "1:5", "unterminated string"},
	{"a = 01", "1:5", "leading zeros are not allowed: \"01\""},
	{"a = -007", "1:5", "leading zeros are not allowed: \"-007\""},
	{"a = 0_1", "1:5", "leading zeros are not allowed: \"0_1\""},
	{"a = 00.5", "1:5", "leading zeros are not allowed: \"00.5\""},
	{"a = 1__0", "1:5", "invalid number \"1__0\""},
	{"a = _1", "1:5", "expected a value, found \"_1\" (strings need quotes)"},
	{"a = 1_", "1:5", "invalid number \"1_\""},
	{"a = 0x_1", "1:5", "invalid number \"0x_1\""},
	{"a = 0x1_", "1:5", "invalid number \"0x1_\""},
	{"a = +0x1", "1:5", "a hexadecimal integer cannot have a sign"},
	{"a = 0X1F", "1:5", "invalid number \"0X1F\""},
	{"a = 0b2", "1:5", "invalid number \"0b2\""},
	{"a = 0o8", "1:5", "invalid number \"0o8\""},
	{"a = 9223372036854775808", "1:5", "integer 9223372036854775808 does not fit in 64 bits"},
	{"a = -9223372036854775809", "1:5", "integer -9223372036854775809 does not fit in 64 bits"},
	{"a = 0x8000000000000000", "1:5", "integer 0x8000000000000000 does not fit in 64 bits"},
	{"a = 1.", "1:5", "invalid float \"1.\": digits must follow the \".\""},
	{"a = .5", "1:5", "expected a value, found \".5\" (strings need quotes)"},
	{"a = 1.e5", "1:5", "invalid float \"1.e5\": digits must follow the \".\""},
	{"a = 1e", "1:5", "invalid float \"1e\": digits must follow the \"e\""},
	{"a = 1e_5", "1:5", "invalid float \"1e_5\": digits must follow the \"e\""},
	{"a = 1.5_", "1:5", "invalid number \"1.5_\""},
	{"a = 1e400", "1:5", "float 1e400 is out of range"},
	{"a = +-1", "1:5", "invalid number \"+-1\""},
	{"a = Inf", "1:5", "expected a value, found \"Inf\" (strings need quotes)"},
	{"a = nan1", "1:5", "expected a value, found \"nan1\" (strings need quotes)"},
	{"a = truee", "1:5", "expected a value, found \"truee\" (strings need quotes)"},
	{"a = TRUE", "1:5", "expected a value, found \"TRUE\" (strings need quotes)"},
	{"a = hello", "1:5", "expected a value, found \"hello\" (strings need quotes)"},
	{"a = {b = 1,\nc = 2}", "1:12", "newline in inline table (it must fit on one line)"},
	{"a = {b = 1,}", "1:12", "trailing comma in inline table"},
	{"a = {b = 1 # c\n}", "1:12", "comment in inline table (it must fit on one line)"},
	{"a = {\n}", "1:6", "newline in inline table (it must fit on one line)"},
	{"a = {b = 1", "1:5", "unterminated inline table"},
	{"a = {b = 1 c = 2}", "1:12", "expected \",\" or \"}\" in inline table, found \"c\""},
	{"a = [1 2]", "1:8", "expected \",\" or \"]\" in array, found \"2\""},
	{"a = [1,,2]", "1:8", "expected a value, found \",\""},
	{"a = [,]", "1:6", "expected a value, found \",\""},
	{"a = [1,", "1:5", "unterminated array"},
	{"name \"value\"", "1:6", "expected \"=\" after key \"name\", found \"\"\""},
	{"name", "1:5", "expected \"=\" after key \"name\", found end of file"},
	{"= 1", "1:1", "expected a key, found \"=\""},
	{"a = ", "1:5", "expected a value, found end of file"},
	{"a = 1 b = 2", "1:7", "expected end of line after value, found \"b\""},
	{"[a] b = 1", "1:5", "expected end of line after table header, found \"b\""},
	{"[a", "1:3", "expected \"]\" after table name \"a\", found end of file"},
	{"[[a]", "1:4", "expected \"]]\" after table name \"a\", found \"]\""},
	{"[ [a]]", "1:3", "expected a key, found \"[\""},
	{"[]", "1:2", "expected a key, found \"]\""},
	{"[a.]", "1:4", "expected a key, found \"]\""},
	{"a..b = 1", "1:3", "expected a key, found \".\""},
	{"\"\"\"key\"\"\" = 1", "1:1", "a key cannot be a multi-line string"},
	{"a = 1979-13-01", "1:10", "month 13 is out of range (01 to 12)"},
	{"a = 1979-00-01", "1:10", "month 00 is out of range (01 to 12)"},
	{"a = 1979-02-29", "1:13", "day 29 is out of range for 1979-02"},
	{"a = 1979-04-31", "1:13", "day 31 is out of range for 1979-04"},
	{"a = 1979-05-27T24:00:00", "1:16", "hour 24 is out of range (00 to 23)"},
	{"a = 1979-05-27T23:60:00", "1:19", "minute 60 is out of range (00 to 59)"},
	{"a = 1979-05-27T23:59:61", "1:22", "second 61 is out of range (00 to 60)"},
	{"a = 1979-05-27T07:32", "1:16", "expected a time as HH:MM:SS"},
	{"a = 1979-05-27T07:32:00.", "1:25", "expected digits after the \".\" of the seconds"},
	{"a = 1979-05-27T07:32:00+24:00", "1:24", "UTC offset +24:00 is out of range"},
	{"a = 1979-05-27T07:32:00+05", "1:24", "expected a UTC offset as +HH:MM"},
	{"a = 1979-5-27", "1:5", "expected a date as YYYY-MM-DD"},
	{"a = 07:32:00Z", "1:13", "expected end of line after value, found \"Z\""},
	{"a = 1979-05-27T", "1:16", "expected a time as HH:MM:SS"},
	{"a = \x01", "1:5", "expected a value, found U+0001"},
	{"a = \"\x01\"", "1:6", "control character U+0001 in string (escape it)"},
	{"a = \"\x7f\"", "1:6", "control character U+007F in string (escape it)"},
	{"# \x01 comment", "1:3", "control character U+0001 in comment"},
	{"a = 1 # \x7f", "1:9", "control character U+007F in comment"},
	{"a = 1\r\nb = 2\r", "2:6", "expected end of line after value, found U+000D"},
	{"a = 1\rb = 2", "1:6", "expected end of line after value, found U+000D"},
	{"a = \"\xff\"", "1:6", "invalid UTF-8"},
	{"a = \"\xc0\xaf\"", "1:6", "invalid UTF-8"},
	{"a = \"\xed\xa0\x80\"", "1:6", "invalid UTF-8"},
	{"a = \"\xf4\x90\x80\x80\"", "1:6", "invalid UTF-8"},
	{"a = \"\xe2\x82\"", "1:6", "invalid UTF-8"},
	{"a = \"\xc3\xa9\xc3\xa9\" b", "1:10", "expected end of line after value, found \"b\""},
	{"\xc3\xa9 = 1", "1:1", "expected a key, found \"é\""},
	{"a = \"\"\"x\"\"\"\"\"\"", "1:14",
	 "too many quotes: at most two may come before the closing \"\"\""},
	{"a = '''x'''''''", "1:14", "too many quotes: at most two may come before the closing '''"},
	{"a = \"\"\"\\ x\"\"\"", "1:8",
	 "invalid escape sequence: a backslash must be followed by one of b t n f r \" \\ u U"},
};

static void test_invalid(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct toml_value *root = (struct toml_value *)1;
		char want[512];
		struct cubo_error *err =
			toml_parse(bad[i].doc, strlen(bad[i].doc), "test.toml", &root);
		if (!err)
			fail_msg("parsed: %s", bad[i].doc);
		assert_null(root);
		snprintf(want, sizeof(want), "test.toml:%s: %s", bad[i].at, bad[i].msg);
		if (strcmp(err->msg, want))
			fail_msg("%s\n got: %s\nwant: %s", bad[i].doc, err->msg, want);
		cubo_error_free(err);
	}
}

/* The input need not end in a NUL; a NUL inside it is a control character. */
static void test_length(void **state)
{
	struct toml_value *r;
	const char doc[] = "a = 12345";
	assert_null(toml_parse(doc, 7, "test.toml", &r));
	assert_int(r, "a", 123);
	toml_free(r);

	struct cubo_error *err = toml_parse("a = 1\0b = 2", 11, "test.toml", &r);
	assert_non_null(err);
	assert_string_equal(err->msg,
			    "test.toml:1:6: expected end of line after value, found U+0000");
	cubo_error_free(err);
}

static char *nested(const char *open, const char *close, int n)
{
	size_t lo = strlen(open), lc = strlen(close);
	char *s = malloc(4 + (size_t)n * (lo + lc) + 1), *p = s;
	p += sprintf(p, "a = ");
	for (int i = 0; i < n; i++)
		p += sprintf(p, "%s", open);
	for (int i = 0; i < n; i++)
		p += sprintf(p, "%s", close);
	return s;
}

/* Nesting stops at TOML_MAX_DEPTH levels, whatever does the nesting. */
static void test_depth(void **state)
{
	struct toml_value *r;
	struct cubo_error *err;
	char *s;

	s = nested("[", "]", TOML_MAX_DEPTH);
	assert_null(toml_parse(s, strlen(s), "test.toml", &r));
	toml_free(r);
	free(s);
	s = nested("[", "]", TOML_MAX_DEPTH + 1);
	err = toml_parse(s, strlen(s), "test.toml", &r);
	assert_non_null(err);
	assert_string_equal(err->msg,
			    "test.toml:1:133: tables and arrays nest more than 128 levels deep");
	cubo_error_free(err);
	free(s);
	s = nested("{b=", "}", 10000);
	th_expect_msg(toml_parse(s, strlen(s), "test.toml", &r), "nest more than 128 levels");
	free(s);

	/* dotted keys and headers nest tables too */
	size_t n = 2 * (TOML_MAX_DEPTH + 1) + 8;
	s = malloc(n);
	char *p = s + sprintf(s, "[a");
	for (int i = 1; i < TOML_MAX_DEPTH + 1; i++)
		p += sprintf(p, ".a");
	sprintf(p, "]");
	th_expect_msg(toml_parse(s, strlen(s), "test.toml", &r), "nest more than 128 levels");
	s[strlen(s) - 3] = ']';
	s[strlen(s) - 2] = 0;
	assert_null(toml_parse(s, strlen(s), "test.toml", &r));
	toml_free(r);

	/* in the deepest table a scalar may still sit, an array may not */
	char *doc = malloc(n + 16);
	sprintf(doc, "%s\nx = 1\n", s);
	assert_null(toml_parse(doc, strlen(doc), "test.toml", &r));
	const struct toml_value *t = r;
	for (int i = 0; i < TOML_MAX_DEPTH; i++)
		t = toml_table_get(t, "a");
	assert_int_equal(toml_table_get(t, "x")->integer, 1);
	toml_free(r);
	sprintf(doc, "%s\nx = [1]\n", s);
	th_expect_msg(toml_parse(doc, strlen(doc), "test.toml", &r), "nest more than 128 levels");
	free(doc);
	free(s);
}

static void test_api(void **state)
{
	struct toml_value *r = parse("a = 1\n[t]\nb = 'x'\n");
	assert_null(toml_table_get(r, "nope"));
	assert_null(toml_table_get(get(r, "a"), "a"));
	assert_null(toml_table_get(NULL, "a"));
	assert_string_equal(toml_type_name(TOML_STRING), "string");
	assert_string_equal(toml_type_name(TOML_INTEGER), "integer");
	assert_string_equal(toml_type_name(TOML_FLOAT), "float");
	assert_string_equal(toml_type_name(TOML_BOOL), "boolean");
	assert_string_equal(toml_type_name(TOML_DATETIME), "datetime");
	assert_string_equal(toml_type_name(TOML_ARRAY), "array");
	assert_string_equal(toml_type_name(TOML_TABLE), "table");
	toml_free(r);
	toml_free(NULL);

	struct cubo_error *err = toml_parse("x", 1, NULL, &r);
	assert_string_equal(err->msg,
			    "<toml>:1:2: expected \"=\" after key \"x\", found end of file");
	cubo_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_string_nul),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_bools),
		cmocka_unit_test(test_datetimes),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_inline_tables),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_arrays_of_tables),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
