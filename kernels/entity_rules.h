/*
 * entity_rules.h — named-entity rules shared by the host and the kernels.
 *
 * Like tokenizer_rules.h (which must come first), this header compiles as
 * C11 on the host and as OpenCL C 1.2 on the device: the host reference
 * (indexer/entities_ref.c) and the kernel (kernels/entities.cl) both call
 * gal_ent_doc() below, so they find byte-identical mentions by construction.
 *
 * The rules (DESIGN.md, "Entities"), per document, over the tokens that
 * gal_tokenize_* produced:
 *
 *  1. A token is capitalised when its first code point changes under
 *     gal_cp_fold(); an acronym is a capitalised token of two or more code
 *     points that all change (so no digits): CCTV, IMF.
 *  2. A run is a maximal sequence of capitalised tokens separated only by
 *     spaces with at most one line break, with lower-case
 *     connectors inside (of, de, van, al, bin...; "the" right after one:
 *     "News of the World").  Also joining: a hyphen (Kilroy-Silk), an
 *     apostrophe after one letter (O'Sullivan), an ampersand (Moet &
 *     Chandon, AT&T), and a full stop after an honorific, a name
 *     abbreviation or a single letter (Mr. Blair, St. Louis, U.S., W.P. Ball)
 *     unless a function word follows.  Anything else separates: other
 *     punctuation, commas, quotes, a paragraph break (two line breaks, or a
 *     line break then an indent of two or more blanks), a column gap (a
 *     tab, or GAL_ENT_COLUMN_SPACES spaces in a row inside a line: a
 *     signature's or a table's columns), the title/body gap.
 *     A capitalised function word (The, However, And...) starts a new run.
 *  3. Lines that shout (at least GAL_ENT_SHOUT_PCT percent of their cased
 *     letters upper-case, and at least GAL_ENT_SHOUT_MIN cased letters: an
 *     all-caps headline or wire line) give no entities at all.
 *  4. From each run: leading function words and honorifics are dropped;
 *     a role word followed by a name splits the run: what comes before
 *     (less role modifiers: Prime, Treasury, Finance...) is a mention of its
 *     own, the role is dropped, and so are modifiers and "of"+modifier
 *     right after it (Secretary of State George Shultz), unless what follows
 *     ends like an organisation (Justice Department).  Trailing roles with
 *     their modifiers are dropped (Bank of England Governor), then
 *     trailing days and months (the Texas Rangers Friday).  A run of
 *     roles and modifiers only is no entity.
 *  5. A one-word mention is dropped when it is one letter (I, A), a month or
 *     a day, a nationality word, a function word, honorific or role; a
 *     multi-word mention ending in a nationality word too (West German).
 *  6. A one-word mention that starts a sentence (first token of a field, or
 *     after . ! ? : or a paragraph break) is kept only if it is an acronym or
 *     the same word occurs in another kept mention of the document (one
 *     of the GAL_ENT_LINK_SPAN mentions either side).
 *  7. Linking: a later one-word mention equal to the last word of an earlier
 *     person-like mention (two or three capitalised, non-acronym words, no
 *     connector, no organisation word at the end; one of the
 *     GAL_ENT_LINK_SPAN mentions kept before it) takes that mention's key.
 *  8. A title in title case (its first field, followed by another, with at
 *     least GAL_ENT_TITLE_CAPS capitalised words and no lower-case word
 *     but function words and connectors: "Avalanche Sign Damphousse to
 *     One-Year Deal") says nothing by its capitals, so its runs are not
 *     names.  Instead, from left to right, the longest stretch of at most
 *     GAL_ENT_TITLE_SPAN tokens from a capitalised one whose key is that
 *     of a mention in the rest of the document (not a tentative one) is a
 *     mention; failing that, a capitalised word that is the last word of
 *     a person-like mention there takes its key, as rule 7 would
 *     (Damphousse, Vincent Damphousse).  Other capitalised words of such
 *     a title give nothing.
 *
 * The key of a mention is gal_term_hash_folded(folded words joined by one
 * space, GAL_SEED_ENTITY) (common/terms.h); its surface is the byte range
 * from its first token's first byte to its last token's last byte.
 *
 * Word classes (function words, roles, months...) are looked up by the
 * token's word hash (GAL_SEED_WORD) in a sorted table, through a filter and
 * a bucket index; the host-only list GAL_ENT_WORDS is their source, and
 * tests/unit/test_entities.c checks that they match it
 * (`test_entities --print-table` regenerates them).
 *
 * Changing anything here changes every index: bump GAL_ENTITY_RULES_VERSION.
 */
#ifndef GAL_ENTITY_RULES_H
#define GAL_ENTITY_RULES_H

#if defined(__OPENCL_VERSION__) || defined(__OPENCL_C_VERSION__)
#define GAL_GLOBAL __global
#define GAL_CONST __constant
#else
#include <string.h> /* memchr */
#define GAL_GLOBAL
#define GAL_CONST static const
#endif

#if defined(__OPENCL_VERSION__) || defined(__OPENCL_C_VERSION__)
typedef ushort gal_u16;
#else
typedef uint16_t gal_u16;
#endif

/* 2: rule 8 (titles in title case), and trailing days and months (rule 4)
 * 3: a tab, or a wide run of spaces in a line (a column gap), parts two names;
 *    rules 6 and 7 look GAL_ENT_LINK_SPAN mentions away at most */
#define GAL_ENTITY_RULES_VERSION 3u
#define GAL_ENT_SHOUT_PCT 75u
#define GAL_ENT_SHOUT_MIN 6u
/* Rule 8: a title is in title case from this many capitalised words, and
 * a name found in one is at most this many tokens. */
#define GAL_ENT_TITLE_CAPS 3u
#define GAL_ENT_TITLE_SPAN 6u
/* A line shorter than this (bytes) does not wrap into the next one. */
#define GAL_ENT_WRAP_MIN 40u
/* Rules 6 and 7 look for a word in at most this many mentions either side
 * (rule 7: before).  A news story has fewer in all; a document of
 * megabytes (a book, a dump pasted as one record) has hundreds of
 * thousands, and a look at every one for each would take minutes. */
#define GAL_ENT_LINK_SPAN 1024u
/* This many spaces in a row (or one tab) part columns, not words. */
#define GAL_ENT_COLUMN_SPACES 3u

/* word classes */
#define GAL_ENT_CONN 0x001u    /* lower-case connector inside a name */
#define GAL_ENT_AND 0x002u     /* "and": a connector only before an organisation word (Merrill Lynch and Co) */
#define GAL_ENT_FUNC 0x004u    /* function word: never starts or continues a name */
#define GAL_ENT_HON 0x008u     /* honorific: dropped, its full stop ends nothing */
#define GAL_ENT_ABBR 0x010u    /* abbreviation inside names: St. Louis, Jr. */
#define GAL_ENT_ROLE 0x020u    /* role or title before (or after) a name */
#define GAL_ENT_LEAD 0x040u    /* role only before a name: King, Pope, Judge */
#define GAL_ENT_MOD 0x080u     /* role modifier: Prime, Vice, Treasury, Finance */
#define GAL_ENT_DATE 0x100u    /* month or day of the week */
#define GAL_ENT_DEMONYM 0x200u /* nationality word: Japanese, West German */
#define GAL_ENT_ORG 0x400u     /* organisation or place word: Corp, Bank, Street */
#define GAL_ENT_COMMON 0x800u  /* common noun written as an acronym: TV, MP, CEO */

#if !defined(__OPENCL_VERSION__) && !defined(__OPENCL_C_VERSION__)
/* Source of the table below: X(word, classes), folded words. */
#define GAL_ENT_WORDS(X) \
    X("a", GAL_ENT_FUNC) \
    X("according", GAL_ENT_FUNC) \
    X("acting", GAL_ENT_MOD) \
    X("actor", GAL_ENT_ROLE) \
    X("actress", GAL_ENT_ROLE) \
    X("ad", GAL_ENT_COMMON) \
    X("adm", GAL_ENT_HON) \
    X("administration", GAL_ENT_ORG) \
    X("african", GAL_ENT_DEMONYM) \
    X("after", GAL_ENT_FUNC) \
    X("agency", GAL_ENT_ORG) \
    X("agriculture", GAL_ENT_MOD) \
    X("aids", GAL_ENT_COMMON) \
    X("airlines", GAL_ENT_ORG) \
    X("airways", GAL_ENT_ORG) \
    X("al", GAL_ENT_CONN) \
    X("all", GAL_ENT_FUNC) \
    X("also", GAL_ENT_FUNC) \
    X("although", GAL_ENT_FUNC) \
    X("am", GAL_ENT_COMMON) \
    X("ambassador", GAL_ENT_ROLE) \
    X("american", GAL_ENT_DEMONYM) \
    X("americans", GAL_ENT_DEMONYM) \
    X("among", GAL_ENT_FUNC) \
    X("an", GAL_ENT_FUNC) \
    X("analyst", GAL_ENT_ROLE) \
    X("and", GAL_ENT_AND|GAL_ENT_FUNC) \
    X("another", GAL_ENT_FUNC) \
    X("any", GAL_ENT_FUNC) \
    X("anybody", GAL_ENT_FUNC) \
    X("anyone", GAL_ENT_FUNC) \
    X("apr", GAL_ENT_DATE) \
    X("april", GAL_ENT_DATE) \
    X("arab", GAL_ENT_DEMONYM) \
    X("archbishop", GAL_ENT_LEAD) \
    X("are", GAL_ENT_FUNC) \
    X("argentine", GAL_ENT_DEMONYM) \
    X("as", GAL_ENT_FUNC) \
    X("asian", GAL_ENT_DEMONYM) \
    X("assistant", GAL_ENT_MOD) \
    X("associate", GAL_ENT_MOD) \
    X("association", GAL_ENT_ORG) \
    X("at", GAL_ENT_FUNC) \
    X("atm", GAL_ENT_COMMON) \
    X("aug", GAL_ENT_DATE) \
    X("august", GAL_ENT_DATE) \
    X("australian", GAL_ENT_DEMONYM) \
    X("austrian", GAL_ENT_DEMONYM) \
    X("authority", GAL_ENT_ORG) \
    X("avg", GAL_ENT_COMMON) \
    X("bank", GAL_ENT_ORG) \
    X("banks", GAL_ENT_ORG) \
    X("because", GAL_ENT_FUNC) \
    X("before", GAL_ENT_FUNC) \
    X("belgian", GAL_ENT_DEMONYM) \
    X("bin", GAL_ENT_CONN) \
    X("bishop", GAL_ENT_LEAD) \
    X("bln", GAL_ENT_COMMON) \
    X("board", GAL_ENT_ORG) \
    X("both", GAL_ENT_FUNC) \
    X("brazilian", GAL_ENT_DEMONYM) \
    X("british", GAL_ENT_DEMONYM) \
    X("budget", GAL_ENT_MOD) \
    X("bureau", GAL_ENT_ORG) \
    X("but", GAL_ENT_FUNC) \
    X("by", GAL_ENT_FUNC) \
    X("can", GAL_ENT_FUNC) \
    X("canadian", GAL_ENT_DEMONYM) \
    X("canadians", GAL_ENT_DEMONYM) \
    X("capt", GAL_ENT_HON) \
    X("captain", GAL_ENT_ROLE) \
    X("cardinal", GAL_ENT_LEAD) \
    X("catholic", GAL_ENT_DEMONYM) \
    X("cd", GAL_ENT_COMMON) \
    X("cds", GAL_ENT_COMMON) \
    X("center", GAL_ENT_ORG) \
    X("centre", GAL_ENT_ORG) \
    X("ceo", GAL_ENT_COMMON) \
    X("cfo", GAL_ENT_COMMON) \
    X("chairman", GAL_ENT_ROLE) \
    X("chairperson", GAL_ENT_ROLE) \
    X("chairwoman", GAL_ENT_ROLE) \
    X("chancellor", GAL_ENT_ROLE) \
    X("chief", GAL_ENT_MOD) \
    X("chilean", GAL_ENT_DEMONYM) \
    X("chinese", GAL_ENT_DEMONYM) \
    X("church", GAL_ENT_ORG) \
    X("city", GAL_ENT_ORG) \
    X("club", GAL_ENT_ORG) \
    X("cmdr", GAL_ENT_HON) \
    X("co", GAL_ENT_ORG) \
    X("coach", GAL_ENT_ROLE) \
    X("col", GAL_ENT_HON) \
    X("college", GAL_ENT_ORG) \
    X("colombian", GAL_ENT_DEMONYM) \
    X("commerce", GAL_ENT_MOD) \
    X("commission", GAL_ENT_ORG) \
    X("commissioner", GAL_ENT_ROLE) \
    X("committee", GAL_ENT_ORG) \
    X("companies", GAL_ENT_ORG) \
    X("company", GAL_ENT_ORG) \
    X("congressman", GAL_ENT_ROLE) \
    X("congresswoman", GAL_ENT_ROLE) \
    X("corp", GAL_ENT_ORG) \
    X("corporation", GAL_ENT_ORG) \
    X("cos", GAL_ENT_ORG) \
    X("could", GAL_ENT_FUNC) \
    X("council", GAL_ENT_ORG) \
    X("county", GAL_ENT_ORG) \
    X("court", GAL_ENT_ORG) \
    X("cpu", GAL_ENT_COMMON) \
    X("cts", GAL_ENT_COMMON) \
    X("cuban", GAL_ENT_DEMONYM) \
    X("culture", GAL_ENT_MOD) \
    X("czech", GAL_ENT_DEMONYM) \
    X("da", GAL_ENT_CONN) \
    X("dame", GAL_ENT_HON) \
    X("dane", GAL_ENT_DEMONYM) \
    X("danish", GAL_ENT_DEMONYM) \
    X("das", GAL_ENT_CONN) \
    X("de", GAL_ENT_CONN) \
    X("dear", GAL_ENT_FUNC) \
    X("dec", GAL_ENT_DATE) \
    X("december", GAL_ENT_DATE) \
    X("defence", GAL_ENT_MOD) \
    X("defense", GAL_ENT_MOD) \
    X("del", GAL_ENT_CONN) \
    X("della", GAL_ENT_CONN) \
    X("den", GAL_ENT_CONN) \
    X("department", GAL_ENT_ORG) \
    X("deputy", GAL_ENT_MOD) \
    X("der", GAL_ENT_CONN) \
    X("despite", GAL_ENT_FUNC) \
    X("di", GAL_ENT_CONN) \
    X("did", GAL_ENT_FUNC) \
    X("director", GAL_ENT_ROLE) \
    X("dlrs", GAL_ENT_COMMON) \
    X("dna", GAL_ENT_COMMON) \
    X("do", GAL_ENT_CONN|GAL_ENT_FUNC) \
    X("does", GAL_ENT_FUNC) \
    X("dos", GAL_ENT_CONN) \
    X("dr", GAL_ENT_HON) \
    X("du", GAL_ENT_CONN) \
    X("during", GAL_ENT_FUNC) \
    X("dutch", GAL_ENT_DEMONYM) \
    X("dvd", GAL_ENT_COMMON) \
    X("dvds", GAL_ENT_COMMON) \
    X("each", GAL_ENT_FUNC) \
    X("earlier", GAL_ENT_FUNC) \
    X("eastern", GAL_ENT_DEMONYM) \
    X("economic", GAL_ENT_MOD) \
    X("economics", GAL_ENT_MOD) \
    X("economist", GAL_ENT_ROLE) \
    X("economy", GAL_ENT_MOD) \
    X("education", GAL_ENT_MOD) \
    X("egyptian", GAL_ENT_DEMONYM) \
    X("el", GAL_ENT_CONN) \
    X("electric", GAL_ENT_ORG) \
    X("emperor", GAL_ENT_LEAD) \
    X("energy", GAL_ENT_MOD) \
    X("english", GAL_ENT_DEMONYM) \
    X("englishman", GAL_ENT_DEMONYM) \
    X("entertainment", GAL_ENT_ORG) \
    X("environment", GAL_ENT_MOD) \
    X("european", GAL_ENT_DEMONYM) \
    X("even", GAL_ENT_FUNC) \
    X("every", GAL_ENT_FUNC) \
    X("exchange", GAL_ENT_ORG) \
    X("executive", GAL_ENT_ROLE) \
    X("faq", GAL_ENT_COMMON) \
    X("feb", GAL_ENT_DATE) \
    X("february", GAL_ENT_DATE) \
    X("federation", GAL_ENT_ORG) \
    X("few", GAL_ENT_FUNC) \
    X("finance", GAL_ENT_MOD) \
    X("finn", GAL_ENT_DEMONYM) \
    X("finnish", GAL_ENT_DEMONYM) \
    X("first", GAL_ENT_MOD) \
    X("fm", GAL_ENT_COMMON) \
    X("for", GAL_ENT_FUNC) \
    X("foreign", GAL_ENT_MOD) \
    X("former", GAL_ENT_MOD) \
    X("foundation", GAL_ENT_ORG) \
    X("fr", GAL_ENT_HON) \
    X("french", GAL_ENT_DEMONYM) \
    X("frenchman", GAL_ENT_DEMONYM) \
    X("fri", GAL_ENT_DATE) \
    X("friday", GAL_ENT_DATE) \
    X("from", GAL_ENT_FUNC) \
    X("ft", GAL_ENT_ABBR) \
    X("fund", GAL_ENT_ORG) \
    X("furthermore", GAL_ENT_FUNC) \
    X("gdp", GAL_ENT_COMMON) \
    X("gen", GAL_ENT_HON) \
    X("general", GAL_ENT_MOD) \
    X("german", GAL_ENT_DEMONYM) \
    X("gnp", GAL_ENT_COMMON) \
    X("gov", GAL_ENT_HON) \
    X("governor", GAL_ENT_ROLE) \
    X("greek", GAL_ENT_DEMONYM) \
    X("group", GAL_ENT_ORG) \
    X("had", GAL_ENT_FUNC) \
    X("has", GAL_ENT_FUNC) \
    X("have", GAL_ENT_FUNC) \
    X("he", GAL_ENT_FUNC) \
    X("health", GAL_ENT_MOD) \
    X("hello", GAL_ENT_FUNC) \
    X("her", GAL_ENT_FUNC) \
    X("here", GAL_ENT_FUNC) \
    X("hi", GAL_ENT_FUNC) \
    X("his", GAL_ENT_FUNC) \
    X("hiv", GAL_ENT_COMMON) \
    X("holdings", GAL_ENT_ORG) \
    X("home", GAL_ENT_MOD) \
    X("hon", GAL_ENT_HON) \
    X("how", GAL_ENT_FUNC) \
    X("however", GAL_ENT_FUNC) \
    X("hungarian", GAL_ENT_DEMONYM) \
    X("ibn", GAL_ENT_CONN) \
    X("if", GAL_ENT_FUNC) \
    X("in", GAL_ENT_FUNC) \
    X("inc", GAL_ENT_ORG) \
    X("indian", GAL_ENT_DEMONYM) \
    X("indonesian", GAL_ENT_DEMONYM) \
    X("industries", GAL_ENT_ORG) \
    X("industry", GAL_ENT_MOD) \
    X("information", GAL_ENT_MOD) \
    X("institute", GAL_ENT_ORG) \
    X("interior", GAL_ENT_MOD) \
    X("international", GAL_ENT_ORG) \
    X("ipo", GAL_ENT_COMMON) \
    X("iranian", GAL_ENT_DEMONYM) \
    X("iraqi", GAL_ENT_DEMONYM) \
    X("irish", GAL_ENT_DEMONYM) \
    X("is", GAL_ENT_FUNC) \
    X("israeli", GAL_ENT_DEMONYM) \
    X("it", GAL_ENT_FUNC) \
    X("italian", GAL_ENT_DEMONYM) \
    X("its", GAL_ENT_FUNC) \
    X("jan", GAL_ENT_DATE) \
    X("january", GAL_ENT_DATE) \
    X("japanese", GAL_ENT_DEMONYM) \
    X("jewish", GAL_ENT_DEMONYM) \
    X("jr", GAL_ENT_ABBR) \
    X("judge", GAL_ENT_LEAD) \
    X("jul", GAL_ENT_DATE) \
    X("july", GAL_ENT_DATE) \
    X("jun", GAL_ENT_DATE) \
    X("june", GAL_ENT_DATE) \
    X("junior", GAL_ENT_MOD) \
    X("just", GAL_ENT_FUNC) \
    X("justice", GAL_ENT_LEAD) \
    X("king", GAL_ENT_LEAD) \
    X("korean", GAL_ENT_DEMONYM) \
    X("kuwaiti", GAL_ENT_DEMONYM) \
    X("la", GAL_ENT_CONN) \
    X("labor", GAL_ENT_MOD) \
    X("laboratories", GAL_ENT_ORG) \
    X("lady", GAL_ENT_HON) \
    X("last", GAL_ENT_FUNC) \
    X("later", GAL_ENT_FUNC) \
    X("latin", GAL_ENT_DEMONYM) \
    X("lawmaker", GAL_ENT_ROLE) \
    X("le", GAL_ENT_CONN) \
    X("leader", GAL_ENT_ROLE) \
    X("league", GAL_ENT_ORG) \
    X("lebanese", GAL_ENT_DEMONYM) \
    X("less", GAL_ENT_FUNC) \
    X("let", GAL_ENT_FUNC) \
    X("libyan", GAL_ENT_DEMONYM) \
    X("limited", GAL_ENT_ORG) \
    X("lord", GAL_ENT_HON) \
    X("lt", GAL_ENT_HON) \
    X("ltd", GAL_ENT_ORG) \
    X("maj", GAL_ENT_HON) \
    X("malaysian", GAL_ENT_DEMONYM) \
    X("manager", GAL_ENT_ROLE) \
    X("managing", GAL_ENT_MOD) \
    X("many", GAL_ENT_FUNC) \
    X("march", GAL_ENT_DATE) \
    X("may", GAL_ENT_FUNC|GAL_ENT_DATE) \
    X("mayor", GAL_ENT_ROLE) \
    X("meanwhile", GAL_ENT_FUNC) \
    X("mep", GAL_ENT_COMMON) \
    X("meps", GAL_ENT_COMMON) \
    X("messrs", GAL_ENT_HON) \
    X("mexican", GAL_ENT_DEMONYM) \
    X("might", GAL_ENT_FUNC) \
    X("minister", GAL_ENT_ROLE) \
    X("ministry", GAL_ENT_ORG) \
    X("mlle", GAL_ENT_HON) \
    X("mln", GAL_ENT_COMMON) \
    X("mme", GAL_ENT_HON) \
    X("mon", GAL_ENT_DATE) \
    X("monday", GAL_ENT_DATE) \
    X("more", GAL_ENT_FUNC) \
    X("moreover", GAL_ENT_FUNC) \
    X("most", GAL_ENT_FUNC) \
    X("motors", GAL_ENT_ORG) \
    X("mp", GAL_ENT_COMMON) \
    X("mps", GAL_ENT_COMMON) \
    X("mr", GAL_ENT_HON) \
    X("mrs", GAL_ENT_HON) \
    X("ms", GAL_ENT_HON) \
    X("mt", GAL_ENT_ABBR) \
    X("mths", GAL_ENT_COMMON) \
    X("much", GAL_ENT_FUNC) \
    X("muslim", GAL_ENT_DEMONYM) \
    X("must", GAL_ENT_FUNC) \
    X("my", GAL_ENT_FUNC) \
    X("network", GAL_ENT_ORG) \
    X("news", GAL_ENT_ORG) \
    X("next", GAL_ENT_FUNC) \
    X("nigerian", GAL_ENT_DEMONYM) \
    X("no", GAL_ENT_FUNC) \
    X("northern", GAL_ENT_DEMONYM) \
    X("norwegian", GAL_ENT_DEMONYM) \
    X("not", GAL_ENT_FUNC) \
    X("note", GAL_ENT_COMMON) \
    X("nov", GAL_ENT_DATE) \
    X("november", GAL_ENT_DATE) \
    X("now", GAL_ENT_FUNC) \
    X("oct", GAL_ENT_DATE) \
    X("october", GAL_ENT_DATE) \
    X("of", GAL_ENT_CONN) \
    X("office", GAL_ENT_ORG) \
    X("officer", GAL_ENT_ROLE) \
    X("oh", GAL_ENT_FUNC) \
    X("oil", GAL_ENT_MOD) \
    X("ok", GAL_ENT_COMMON|GAL_ENT_FUNC) \
    X("on", GAL_ENT_FUNC) \
    X("once", GAL_ENT_FUNC) \
    X("only", GAL_ENT_FUNC) \
    X("or", GAL_ENT_FUNC) \
    X("organisation", GAL_ENT_ORG) \
    X("organization", GAL_ENT_ORG) \
    X("other", GAL_ENT_FUNC) \
    X("our", GAL_ENT_FUNC) \
    X("over", GAL_ENT_FUNC) \
    X("pakistani", GAL_ENT_DEMONYM) \
    X("palestinian", GAL_ENT_DEMONYM) \
    X("park", GAL_ENT_ORG) \
    X("partners", GAL_ENT_ORG) \
    X("party", GAL_ENT_ORG) \
    X("pc", GAL_ENT_COMMON) \
    X("pcs", GAL_ENT_COMMON) \
    X("pct", GAL_ENT_COMMON) \
    X("peruvian", GAL_ENT_DEMONYM) \
    X("petroleum", GAL_ENT_MOD) \
    X("philippine", GAL_ENT_DEMONYM) \
    X("plc", GAL_ENT_ORG) \
    X("please", GAL_ENT_FUNC) \
    X("pm", GAL_ENT_COMMON) \
    X("polish", GAL_ENT_DEMONYM) \
    X("pope", GAL_ENT_LEAD) \
    X("portuguese", GAL_ENT_DEMONYM) \
    X("post", GAL_ENT_ORG) \
    X("premier", GAL_ENT_ROLE) \
    X("president", GAL_ENT_ROLE) \
    X("press", GAL_ENT_ORG) \
    X("prime", GAL_ENT_MOD) \
    X("prince", GAL_ENT_LEAD) \
    X("princess", GAL_ENT_LEAD) \
    X("products", GAL_ENT_ORG) \
    X("prof", GAL_ENT_HON) \
    X("protestant", GAL_ENT_DEMONYM) \
    X("ps", GAL_ENT_COMMON) \
    X("qtly", GAL_ENT_COMMON) \
    X("qtr", GAL_ENT_COMMON) \
    X("queen", GAL_ENT_LEAD) \
    X("ram", GAL_ENT_COMMON) \
    X("re", GAL_ENT_FUNC) \
    X("rep", GAL_ENT_HON) \
    X("representative", GAL_ENT_ROLE) \
    X("reserve", GAL_ENT_ORG) \
    X("resources", GAL_ENT_ORG) \
    X("rev", GAL_ENT_HON) \
    X("revs", GAL_ENT_COMMON) \
    X("river", GAL_ENT_ORG) \
    X("rom", GAL_ENT_COMMON) \
    X("romanian", GAL_ENT_DEMONYM) \
    X("russian", GAL_ENT_DEMONYM) \
    X("russians", GAL_ENT_DEMONYM) \
    X("saturday", GAL_ENT_DATE) \
    X("saudi", GAL_ENT_DEMONYM) \
    X("scandinavian", GAL_ENT_DEMONYM) \
    X("school", GAL_ENT_ORG) \
    X("scot", GAL_ENT_DEMONYM) \
    X("scottish", GAL_ENT_DEMONYM) \
    X("secretary", GAL_ENT_ROLE) \
    X("securities", GAL_ENT_ORG) \
    X("sen", GAL_ENT_HON) \
    X("senator", GAL_ENT_ROLE) \
    X("senior", GAL_ENT_MOD) \
    X("sep", GAL_ENT_DATE) \
    X("sept", GAL_ENT_DATE) \
    X("september", GAL_ENT_DATE) \
    X("service", GAL_ENT_ORG) \
    X("services", GAL_ENT_ORG) \
    X("several", GAL_ENT_FUNC) \
    X("sgt", GAL_ENT_HON) \
    X("shadow", GAL_ENT_MOD) \
    X("shall", GAL_ENT_FUNC) \
    X("she", GAL_ENT_FUNC) \
    X("sheikh", GAL_ENT_HON) \
    X("should", GAL_ENT_FUNC) \
    X("shr", GAL_ENT_COMMON) \
    X("shrs", GAL_ENT_COMMON) \
    X("since", GAL_ENT_FUNC) \
    X("singer", GAL_ENT_ROLE) \
    X("sir", GAL_ENT_HON) \
    X("sms", GAL_ENT_COMMON) \
    X("so", GAL_ENT_FUNC) \
    X("society", GAL_ENT_ORG) \
    X("some", GAL_ENT_FUNC) \
    X("southern", GAL_ENT_DEMONYM) \
    X("soviet", GAL_ENT_DEMONYM) \
    X("spanish", GAL_ENT_DEMONYM) \
    X("speaker", GAL_ENT_ROLE) \
    X("spokesman", GAL_ENT_ROLE) \
    X("spokesperson", GAL_ENT_ROLE) \
    X("spokeswoman", GAL_ENT_ROLE) \
    X("sr", GAL_ENT_ABBR) \
    X("st", GAL_ENT_ABBR) \
    X("state", GAL_ENT_MOD) \
    X("states", GAL_ENT_ORG) \
    X("still", GAL_ENT_FUNC) \
    X("street", GAL_ENT_ORG) \
    X("striker", GAL_ENT_ROLE) \
    X("such", GAL_ENT_FUNC) \
    X("sunday", GAL_ENT_DATE) \
    X("swede", GAL_ENT_DEMONYM) \
    X("swedish", GAL_ENT_DEMONYM) \
    X("swiss", GAL_ENT_DEMONYM) \
    X("syrian", GAL_ENT_DEMONYM) \
    X("systems", GAL_ENT_ORG) \
    X("taiwanese", GAL_ENT_DEMONYM) \
    X("ter", GAL_ENT_CONN) \
    X("thai", GAL_ENT_DEMONYM) \
    X("thank", GAL_ENT_FUNC) \
    X("thanks", GAL_ENT_FUNC) \
    X("that", GAL_ENT_FUNC) \
    X("the", GAL_ENT_FUNC) \
    X("their", GAL_ENT_FUNC) \
    X("then", GAL_ENT_FUNC) \
    X("there", GAL_ENT_FUNC) \
    X("these", GAL_ENT_FUNC) \
    X("they", GAL_ENT_FUNC) \
    X("this", GAL_ENT_FUNC) \
    X("those", GAL_ENT_FUNC) \
    X("though", GAL_ENT_FUNC) \
    X("thu", GAL_ENT_DATE) \
    X("thur", GAL_ENT_DATE) \
    X("thurs", GAL_ENT_DATE) \
    X("thursday", GAL_ENT_DATE) \
    X("times", GAL_ENT_ORG) \
    X("to", GAL_ENT_FUNC) \
    X("today", GAL_ENT_FUNC) \
    X("tomorrow", GAL_ENT_FUNC) \
    X("trade", GAL_ENT_MOD) \
    X("transport", GAL_ENT_MOD) \
    X("treasurer", GAL_ENT_ROLE) \
    X("treasury", GAL_ENT_MOD) \
    X("trust", GAL_ENT_ORG) \
    X("tue", GAL_ENT_DATE) \
    X("tues", GAL_ENT_DATE) \
    X("tuesday", GAL_ENT_DATE) \
    X("turkish", GAL_ENT_DEMONYM) \
    X("tv", GAL_ENT_COMMON) \
    X("ukrainian", GAL_ENT_DEMONYM) \
    X("under", GAL_ENT_FUNC) \
    X("union", GAL_ENT_ORG) \
    X("university", GAL_ENT_ORG) \
    X("until", GAL_ENT_FUNC) \
    X("usb", GAL_ENT_COMMON) \
    X("van", GAL_ENT_CONN) \
    X("vat", GAL_ENT_COMMON) \
    X("venezuelan", GAL_ENT_DEMONYM) \
    X("vice", GAL_ENT_MOD) \
    X("vietnamese", GAL_ENT_DEMONYM) \
    X("von", GAL_ENT_CONN) \
    X("was", GAL_ENT_FUNC) \
    X("we", GAL_ENT_FUNC) \
    X("wed", GAL_ENT_DATE) \
    X("wednesday", GAL_ENT_DATE) \
    X("well", GAL_ENT_FUNC) \
    X("welsh", GAL_ENT_DEMONYM) \
    X("were", GAL_ENT_FUNC) \
    X("western", GAL_ENT_DEMONYM) \
    X("what", GAL_ENT_FUNC) \
    X("when", GAL_ENT_FUNC) \
    X("where", GAL_ENT_FUNC) \
    X("which", GAL_ENT_FUNC) \
    X("while", GAL_ENT_FUNC) \
    X("who", GAL_ENT_FUNC) \
    X("whom", GAL_ENT_FUNC) \
    X("whose", GAL_ENT_FUNC) \
    X("why", GAL_ENT_FUNC) \
    X("will", GAL_ENT_FUNC) \
    X("with", GAL_ENT_FUNC) \
    X("without", GAL_ENT_FUNC) \
    X("would", GAL_ENT_FUNC) \
    X("y", GAL_ENT_CONN) \
    X("yes", GAL_ENT_FUNC) \
    X("yesterday", GAL_ENT_FUNC) \
    X("yet", GAL_ENT_FUNC) \
    X("you", GAL_ENT_FUNC) \
    X("your", GAL_ENT_FUNC) \
    X("zu", GAL_ENT_CONN)

#endif

typedef struct gal_ent_word {
    gal_u64 hash; /* gal_term_hash_folded(word, GAL_SEED_WORD) */
    gal_u32 cls;
} gal_ent_word;

#define GAL_ENT_NWORDS 509u
/* Sorted by hash; generated from GAL_ENT_WORDS. */
GAL_CONST gal_ent_word gal_ent_words[GAL_ENT_NWORDS] = {
    {0x0018AD85A9F8C880ULL, GAL_ENT_FUNC}, /* to */
    {0x00C8F7786960F894ULL, GAL_ENT_ORG}, /* group */
    {0x00D6205DAE734D22ULL, GAL_ENT_DEMONYM}, /* catholic */
    {0x00F4D36D59A7BABAULL, GAL_ENT_DEMONYM}, /* scottish */
    {0x017D531CEE384BF0ULL, GAL_ENT_FUNC}, /* for */
    {0x0197B2F04C03FE3CULL, GAL_ENT_ROLE}, /* chancellor */
    {0x02B7ABEDAA16A155ULL, GAL_ENT_FUNC}, /* without */
    {0x03396303E9D58C35ULL, GAL_ENT_DATE}, /* apr */
    {0x037E09DCF5A463A9ULL, GAL_ENT_DEMONYM}, /* canadians */
    {0x04EFC544CB509FE5ULL, GAL_ENT_HON}, /* sir */
    {0x05B145CF4C213A7CULL, GAL_ENT_DEMONYM}, /* african */
    {0x06407A7E05E6BE7FULL, GAL_ENT_CONN}, /* al */
    {0x06830CF44488E9FCULL, GAL_ENT_FUNC}, /* a */
    {0x068A9B6047D37883ULL, GAL_ENT_DEMONYM}, /* venezuelan */
    {0x069B2764B0C5FD70ULL, GAL_ENT_DATE}, /* thurs */
    {0x07A6F814CBD1F5E6ULL, GAL_ENT_HON}, /* messrs */
    {0x096482AE053ABC2DULL, GAL_ENT_FUNC}, /* hi */
    {0x0A65839436A72BDFULL, GAL_ENT_COMMON}, /* dvds */
    {0x0B044DD926E0E98BULL, GAL_ENT_ORG}, /* motors */
    {0x0B83A7A5CFAF2D16ULL, GAL_ENT_DEMONYM}, /* french */
    {0x0BCB5263E8C4BD57ULL, GAL_ENT_HON}, /* dame */
    {0x0BF2D69CB523E13FULL, GAL_ENT_FUNC}, /* every */
    {0x0BF3C300265506F8ULL, GAL_ENT_HON}, /* capt */
    {0x0C0665A7BBD8E1B1ULL, GAL_ENT_MOD}, /* economics */
    {0x0D0E7C3171218E61ULL, GAL_ENT_DEMONYM}, /* northern */
    {0x0DBA1BBCC2CAA0E3ULL, GAL_ENT_ORG}, /* times */
    {0x0DF949CCB1D292F6ULL, GAL_ENT_FUNC}, /* or */
    {0x0E1E9D2A9EFD5644ULL, GAL_ENT_FUNC}, /* some */
    {0x0EF995A9A904411DULL, GAL_ENT_FUNC}, /* then */
    {0x0F3E61C35F91D2B8ULL, GAL_ENT_FUNC}, /* several */
    {0x0F544E7250F4452BULL, GAL_ENT_ROLE}, /* congresswoman */
    {0x0F6C1B935D3B81B3ULL, GAL_ENT_FUNC}, /* had */
    {0x10202E29C39E5F28ULL, GAL_ENT_FUNC}, /* its */
    {0x105DE003472CE9B5ULL, GAL_ENT_ORG}, /* corp */
    {0x10B81882E76319C8ULL, GAL_ENT_DEMONYM}, /* latin */
    {0x10F6051AF2938FFEULL, GAL_ENT_DEMONYM}, /* chinese */
    {0x110E74104C25522CULL, GAL_ENT_MOD}, /* junior */
    {0x1145B31E91B15874ULL, GAL_ENT_COMMON}, /* am */
    {0x1181497283A25DE7ULL, GAL_ENT_FUNC}, /* which */
    {0x12F4A3EB5DEFDA62ULL, GAL_ENT_CONN}, /* dos */
    {0x12FAE2204D52B92AULL, GAL_ENT_COMMON}, /* cts */
    {0x13FDE191F3DCABBFULL, GAL_ENT_DEMONYM}, /* european */
    {0x1439E6511823FA74ULL, GAL_ENT_COMMON}, /* shr */
    {0x1440FCE5838FF9C1ULL, GAL_ENT_ORG}, /* court */
    {0x1485F61D436C9403ULL, GAL_ENT_DEMONYM}, /* palestinian */
    {0x14A6DF39242FAFDAULL, GAL_ENT_DATE}, /* friday */
    {0x156780C5E1B8C759ULL, GAL_ENT_ROLE}, /* lawmaker */
    {0x15B7EB6D620065C1ULL, GAL_ENT_DEMONYM}, /* indonesian */
    {0x15BD089E7E4DCF1BULL, GAL_ENT_COMMON}, /* gnp */
    {0x1655764610A001E3ULL, GAL_ENT_CONN}, /* der */
    {0x16837E6FA1FAA589ULL, GAL_ENT_DEMONYM}, /* greek */
    {0x16C236E8EC0DCBDAULL, GAL_ENT_DEMONYM}, /* british */
    {0x16EE335D50E47505ULL, GAL_ENT_MOD}, /* shadow */
    {0x17C7A121E76BEAC8ULL, GAL_ENT_HON}, /* fr */
    {0x17CB651BE131C5D3ULL, GAL_ENT_DEMONYM}, /* libyan */
    {0x1838147A1ED8257EULL, GAL_ENT_DATE}, /* feb */
    {0x18395970299FFE6DULL, GAL_ENT_FUNC}, /* any */
    {0x18505D32F0C9F149ULL, GAL_ENT_DEMONYM}, /* russians */
    {0x1859CF78D86A5D18ULL, GAL_ENT_DEMONYM}, /* ukrainian */
    {0x191AAD43F2BC01CDULL, GAL_ENT_HON}, /* sgt */
    {0x192F12AA49229C13ULL, GAL_ENT_FUNC}, /* she */
    {0x197CE2718245F48CULL, GAL_ENT_FUNC}, /* however */
    {0x1A4840E9B14F3D18ULL, GAL_ENT_MOD}, /* treasury */
    {0x1A4E4EE185D3D7C4ULL, GAL_ENT_MOD}, /* chief */
    {0x1ACBD8BFFDB6AF67ULL, GAL_ENT_FUNC}, /* during */
    {0x1B62F59E92C7242EULL, GAL_ENT_FUNC}, /* he */
    {0x1B894A356341BC91ULL, GAL_ENT_FUNC}, /* because */
    {0x1BD31E68A2C189CEULL, GAL_ENT_HON}, /* mme */
    {0x1C23A1CD1126B604ULL, GAL_ENT_ROLE}, /* actor */
    {0x1C4C590ADEE9ADEBULL, GAL_ENT_DEMONYM}, /* philippine */
    {0x1D92C68AB76E6082ULL, GAL_ENT_DEMONYM}, /* pakistani */
    {0x1DD2CF15586EDB11ULL, GAL_ENT_ORG}, /* association */
    {0x1DE2D224DE62387EULL, GAL_ENT_ORG}, /* park */
    {0x1DEF9C945BD1D97CULL, GAL_ENT_HON}, /* mr */
    {0x1E3E5396C4468EC9ULL, GAL_ENT_FUNC}, /* later */
    {0x1EF909E0EB9F9FFCULL, GAL_ENT_ORG}, /* commission */
    {0x1F72EB06BBAD1F7EULL, GAL_ENT_ORG}, /* center */
    {0x1F8AB4ADC6F7EDD2ULL, GAL_ENT_FUNC}, /* yesterday */
    {0x1F9B18B4466023CAULL, GAL_ENT_FUNC}, /* re */
    {0x2010D0AB4EAD4F71ULL, GAL_ENT_FUNC}, /* all */
    {0x207861153DA4C333ULL, GAL_ENT_DEMONYM}, /* protestant */
    {0x20A0229FECA28BE7ULL, GAL_ENT_ROLE}, /* director */
    {0x20B97E22F9B89929ULL, GAL_ENT_LEAD}, /* archbishop */
    {0x20BD795791DD4D59ULL, GAL_ENT_LEAD}, /* justice */
    {0x20EBEA9D151E2BCBULL, GAL_ENT_COMMON}, /* mep */
    {0x215D3B7EFADA9519ULL, GAL_ENT_DATE}, /* fri */
    {0x21A6B51BCB3DC9B2ULL, GAL_ENT_FUNC}, /* thanks */
    {0x21AEBB3099E7370FULL, GAL_ENT_FUNC}, /* can */
    {0x21B605554EE22066ULL, GAL_ENT_CONN}, /* da */
    {0x21EE51B193E35DF8ULL, GAL_ENT_DATE}, /* wed */
    {0x22478957674C0A1EULL, GAL_ENT_ORG}, /* resources */
    {0x234690C0FEE82E2EULL, GAL_ENT_ROLE}, /* commissioner */
    {0x23655184D76B59D7ULL, GAL_ENT_DEMONYM}, /* kuwaiti */
    {0x2489A6433C4A7208ULL, GAL_ENT_HON}, /* prof */
    {0x24C647F4421BC297ULL, GAL_ENT_DEMONYM}, /* hungarian */
    {0x2608F92A94609D83ULL, GAL_ENT_ROLE}, /* minister */
    {0x2695F3E54EFAB4E9ULL, GAL_ENT_DEMONYM}, /* belgian */
    {0x269722B8E5846DC8ULL, GAL_ENT_MOD}, /* general */
    {0x26AE55C551B159C6ULL, GAL_ENT_COMMON}, /* usb */
    {0x26AEB1E488598AE2ULL, GAL_ENT_COMMON}, /* cpu */
    {0x26FA1E1DF69EBF2BULL, GAL_ENT_FUNC}, /* under */
    {0x27BA25613658FF92ULL, GAL_ENT_DEMONYM}, /* finnish */
    {0x27BCF833C37D4D39ULL, GAL_ENT_ROLE}, /* chairman */
    {0x285BDE79DEBB288DULL, GAL_ENT_MOD}, /* energy */
    {0x29EE306322D71080ULL, GAL_ENT_COMMON}, /* dvd */
    {0x2A4FA84C07927854ULL, GAL_ENT_ORG}, /* airlines */
    {0x2B4ADCE7C27FC5D5ULL, GAL_ENT_MOD}, /* prime */
    {0x2B5B9ED020F1864EULL, GAL_ENT_ORG}, /* bureau */
    {0x2BC3657066B36C02ULL, GAL_ENT_FUNC}, /* still */
    {0x2BDC524B3040A0AAULL, GAL_ENT_FUNC}, /* my */
    {0x2C18CAC14211A04DULL, GAL_ENT_DEMONYM}, /* arab */
    {0x2C7A47F89DEFE41EULL, GAL_ENT_MOD}, /* finance */
    {0x2DEAE060499639D1ULL, GAL_ENT_ROLE}, /* manager */
    {0x2EA3B10905159C9CULL, GAL_ENT_AND|GAL_ENT_FUNC}, /* and */
    {0x316EC1A6C4A85455ULL, GAL_ENT_DATE}, /* oct */
    {0x3255E3ADF638550DULL, GAL_ENT_CONN}, /* du */
    {0x32DCD3D073CA4092ULL, GAL_ENT_FUNC}, /* does */
    {0x334831FE3716871BULL, GAL_ENT_DATE}, /* jan */
    {0x3419FD5D2B6518A8ULL, GAL_ENT_DEMONYM}, /* scandinavian */
    {0x34305DC68F56C700ULL, GAL_ENT_COMMON}, /* aids */
    {0x3529B83FBAD161A9ULL, GAL_ENT_DATE}, /* october */
    {0x35871DF6CD3364D6ULL, GAL_ENT_ROLE}, /* chairperson */
    {0x3603755650154B32ULL, GAL_ENT_MOD}, /* defence */
    {0x3604D974451A8C92ULL, GAL_ENT_HON}, /* lady */
    {0x360C0E9FB81C67B6ULL, GAL_ENT_CONN}, /* ibn */
    {0x36313CEB4AEF435BULL, GAL_ENT_ORG}, /* company */
    {0x375C7460359B5898ULL, GAL_ENT_FUNC}, /* are */
    {0x39199007E2C88AAEULL, GAL_ENT_ROLE}, /* spokesman */
    {0x3A5F94B1C8C4A15BULL, GAL_ENT_DEMONYM}, /* americans */
    {0x3AA1C805B7FEE45FULL, GAL_ENT_CONN}, /* zu */
    {0x3B18DCCC529D13A5ULL, GAL_ENT_FUNC}, /* your */
    {0x3C86937301AEA68CULL, GAL_ENT_DEMONYM}, /* polish */
    {0x3CB81340C3148D9EULL, GAL_ENT_FUNC}, /* earlier */
    {0x3CE997DA00251B0FULL, GAL_ENT_MOD}, /* acting */
    {0x3D006B90FC29CE48ULL, GAL_ENT_ORG}, /* school */
    {0x3D3D46963FCE71ECULL, GAL_ENT_ORG}, /* university */
    {0x3D4C002A8C8E36A5ULL, GAL_ENT_HON}, /* gov */
    {0x3DF36B6A43DE1E8BULL, GAL_ENT_COMMON}, /* pc */
    {0x3DFC23F0931EED49ULL, GAL_ENT_COMMON}, /* meps */
    {0x3E374BDD8E7688B9ULL, GAL_ENT_COMMON}, /* sms */
    {0x3EE4C31E70A4AD43ULL, GAL_ENT_FUNC}, /* his */
    {0x3EE74494E293E4AEULL, GAL_ENT_ORG}, /* systems */
    {0x4004C6009025EE6EULL, GAL_ENT_ROLE}, /* ambassador */
    {0x415212D7D53D06D3ULL, GAL_ENT_FUNC}, /* oh */
    {0x416FD136AD4554DAULL, GAL_ENT_ORG}, /* plc */
    {0x418E00B8A10ED4E3ULL, GAL_ENT_FUNC}, /* hello */
    {0x425DD8B75BA9970BULL, GAL_ENT_MOD}, /* information */
    {0x427043D4909BAAE0ULL, GAL_ENT_HON}, /* gen */
    {0x42E87B1708A8A6A3ULL, GAL_ENT_FUNC}, /* would */
    {0x436C1D637A1519BDULL, GAL_ENT_DEMONYM}, /* australian */
    {0x4390E049A9905E47ULL, GAL_ENT_CONN}, /* bin */
    {0x44AC3F6AC6B710F7ULL, GAL_ENT_MOD}, /* oil */
    {0x44F80C81A40B5733ULL, GAL_ENT_ROLE}, /* economist */
    {0x45342197A9655870ULL, GAL_ENT_HON}, /* hon */
    {0x45931240F7A5EC99ULL, GAL_ENT_DEMONYM}, /* american */
    {0x470BC12116DCE572ULL, GAL_ENT_COMMON}, /* fm */
    {0x47333AED5347610FULL, GAL_ENT_FUNC}, /* most */
    {0x4758687EE7DB56D8ULL, GAL_ENT_FUNC}, /* no */
    {0x48C7DBEC3C947BE0ULL, GAL_ENT_COMMON}, /* faq */
    {0x48E479611FADE55DULL, GAL_ENT_FUNC}, /* last */
    {0x49710FC504B98CBCULL, GAL_ENT_CONN}, /* y */
    {0x4994EA64B8FDE3E0ULL, GAL_ENT_ROLE}, /* spokeswoman */
    {0x49DBF67CACBC19D5ULL, GAL_ENT_FUNC}, /* have */
    {0x4AEA0576CBD7AD4CULL, GAL_ENT_FUNC}, /* the */
    {0x4AFCFCD76F09ECB2ULL, GAL_ENT_FUNC}, /* today */
    {0x4B0CE2B3C8803357ULL, GAL_ENT_ORG}, /* holdings */
    {0x4D68CFC0FB2AD4CCULL, GAL_ENT_LEAD}, /* prince */
    {0x4DA24758559045FDULL, GAL_ENT_FUNC}, /* just */
    {0x4E2BDE26861709D0ULL, GAL_ENT_COMMON}, /* ipo */
    {0x4F425197BA0D2567ULL, GAL_ENT_ORG}, /* street */
    {0x4F6C537D928F90F3ULL, GAL_ENT_DATE}, /* april */
    {0x51EAA6CFC4C4E884ULL, GAL_ENT_DEMONYM}, /* scot */
    {0x5240EE5122DC23F9ULL, GAL_ENT_MOD}, /* assistant */
    {0x52ADE86EEDB324ECULL, GAL_ENT_DEMONYM}, /* brazilian */
    {0x534678722515555AULL, GAL_ENT_ROLE}, /* governor */
    {0x54559283D065935AULL, GAL_ENT_DATE}, /* thu */
    {0x54E16F33B7CC59F8ULL, GAL_ENT_FUNC}, /* another */
    {0x5612A0D8645102ADULL, GAL_ENT_FUNC}, /* although */
    {0x56F6495A44DE8DFEULL, GAL_ENT_COMMON}, /* cds */
    {0x56F8F89E22B4FC54ULL, GAL_ENT_DATE}, /* wednesday */
    {0x575BB835FE19E964ULL, GAL_ENT_DATE}, /* september */
    {0x5823925721A5A477ULL, GAL_ENT_ROLE}, /* singer */
    {0x58265A20A9BD2A38ULL, GAL_ENT_ORG}, /* co */
    {0x58627FB5AEC5E423ULL, GAL_ENT_MOD}, /* labor */
    {0x58B01C5F7A9D9E73ULL, GAL_ENT_DEMONYM}, /* iranian */
    {0x58B56B0058DC6BD2ULL, GAL_ENT_ORG}, /* society */
    {0x590E31A44AB0C24BULL, GAL_ENT_DEMONYM}, /* italian */
    {0x5955F4DEE94E99B5ULL, GAL_ENT_FUNC}, /* that */
    {0x59A77218D99A8569ULL, GAL_ENT_CONN}, /* le */
    {0x59DCAC4D94856E8DULL, GAL_ENT_COMMON}, /* rom */
    {0x5AA45501B08AB63DULL, GAL_ENT_FUNC}, /* even */
    {0x5AFE3CF3BB127ADEULL, GAL_ENT_ORG}, /* federation */
    {0x5BAA89AA9C7E6E7AULL, GAL_ENT_ROLE}, /* representative */
    {0x5D294E5949A890D5ULL, GAL_ENT_ORG}, /* bank */
    {0x5D745A5C44D1B4C0ULL, GAL_ENT_DEMONYM}, /* portuguese */
    {0x5DA43610B130D3A1ULL, GAL_ENT_DEMONYM}, /* israeli */
    {0x5DE8CE1E14BEA02EULL, GAL_ENT_MOD}, /* agriculture */
    {0x5E28414E725F78AAULL, GAL_ENT_MOD}, /* first */
    {0x5E87610D814EA415ULL, GAL_ENT_COMMON}, /* pcs */
    {0x5E8D3025E03A9539ULL, GAL_ENT_CONN}, /* di */
    {0x5EE9FDE015FE12F3ULL, GAL_ENT_DEMONYM}, /* syrian */
    {0x5F2E5E993D014538ULL, GAL_ENT_FUNC}, /* where */
    {0x611EC232C9567A43ULL, GAL_ENT_MOD}, /* culture */
    {0x613DF39A318BE8D0ULL, GAL_ENT_FUNC}, /* with */
    {0x61EBBCDC6916A9CCULL, GAL_ENT_MOD}, /* education */
    {0x62333F29CF1C3F8CULL, GAL_ENT_FUNC}, /* you */
    {0x62ABE2979970DEFBULL, GAL_ENT_FUNC}, /* our */
    {0x62FE3D3958AEF0C7ULL, GAL_ENT_COMMON}, /* atm */
    {0x63ECC2119C353B46ULL, GAL_ENT_FUNC}, /* less */
    {0x6425695A94665B8AULL, GAL_ENT_FUNC}, /* despite */
    {0x64644D9343787CBEULL, GAL_ENT_DEMONYM}, /* western */
    {0x649640F3460C0178ULL, GAL_ENT_DEMONYM}, /* englishman */
    {0x64F7A0E66C84D45EULL, GAL_ENT_FUNC|GAL_ENT_COMMON}, /* ok */
    {0x659110B5D360F125ULL, GAL_ENT_DATE}, /* sept */
    {0x66B3CF2A6D86949BULL, GAL_ENT_FUNC}, /* by */
    {0x66EE6BEC37A86627ULL, GAL_ENT_DEMONYM}, /* asian */
    {0x67357998BBAA5583ULL, GAL_ENT_ROLE}, /* premier */
    {0x67C505488CAA47B2ULL, GAL_ENT_ORG}, /* network */
    {0x6839012A926CFF6EULL, GAL_ENT_FUNC}, /* please */
    {0x685F1A16220E7341ULL, GAL_ENT_ORG}, /* service */
    {0x687F6414567031CCULL, GAL_ENT_DEMONYM}, /* thai */
    {0x68DC5D2074CE8267ULL, GAL_ENT_LEAD}, /* bishop */
    {0x6910084415B8BC2EULL, GAL_ENT_MOD}, /* petroleum */
    {0x69525AEC36724061ULL, GAL_ENT_FUNC}, /* yet */
    {0x696631CD6A322957ULL, GAL_ENT_DEMONYM}, /* colombian */
    {0x6A8D077C9BE59C82ULL, GAL_ENT_FUNC}, /* among */
    {0x6A93ED221B644D0DULL, GAL_ENT_FUNC}, /* while */
    {0x6AB47A025863B7F0ULL, GAL_ENT_DATE}, /* monday */
    {0x6AB49DB161064A48ULL, GAL_ENT_FUNC}, /* anyone */
    {0x6CF8FF8C8E4B9046ULL, GAL_ENT_ORG}, /* administration */
    {0x6D70F12FA7E7BD22ULL, GAL_ENT_ROLE}, /* analyst */
    {0x6E05361C3471DED9ULL, GAL_ENT_FUNC}, /* in */
    {0x6E5A64318FFBE711ULL, GAL_ENT_FUNC}, /* such */
    {0x6F7BF1B48303F7F7ULL, GAL_ENT_COMMON}, /* cd */
    {0x7126F06177F5A47DULL, GAL_ENT_FUNC}, /* is */
    {0x714F8DDFD580AA21ULL, GAL_ENT_DATE}, /* sep */
    {0x72703EA39AC0CDA9ULL, GAL_ENT_ORG}, /* institute */
    {0x72CF92D60524E4FCULL, GAL_ENT_DEMONYM}, /* chilean */
    {0x72F81B8B6B353163ULL, GAL_ENT_FUNC}, /* few */
    {0x732B5AC4414C5E8AULL, GAL_ENT_DEMONYM}, /* southern */
    {0x73C94B21958FF026ULL, GAL_ENT_MOD}, /* budget */
    {0x74D3ED57D91D0FB2ULL, GAL_ENT_DATE}, /* jul */
    {0x74E004DD4BFEE7C4ULL, GAL_ENT_COMMON}, /* mps */
    {0x7588D9B8E776149AULL, GAL_ENT_ROLE}, /* congressman */
    {0x75981470B1139327ULL, GAL_ENT_FUNC}, /* this */
    {0x75DFAC2F099FCA5CULL, GAL_ENT_DEMONYM}, /* spanish */
    {0x763543981DC87482ULL, GAL_ENT_FUNC}, /* should */
    {0x765F582C0618E4A9ULL, GAL_ENT_ABBR}, /* st */
    {0x772CC13454FF3D30ULL, GAL_ENT_DEMONYM}, /* lebanese */
    {0x77A7B93C0263AE38ULL, GAL_ENT_DEMONYM}, /* mexican */
    {0x77C731A5394F6470ULL, GAL_ENT_MOD}, /* defense */
    {0x77CE13BA331ECA55ULL, GAL_ENT_CONN}, /* della */
    {0x77DFF1FEEA43804EULL, GAL_ENT_ORG}, /* international */
    {0x78C5EF27132CFD96ULL, GAL_ENT_FUNC}, /* moreover */
    {0x7917C24C208ECB88ULL, GAL_ENT_ORG}, /* airways */
    {0x792D6AB63585465CULL, GAL_ENT_FUNC}, /* from */
    {0x798402643ED03C19ULL, GAL_ENT_FUNC}, /* let */
    {0x79CC412D2AB3E324ULL, GAL_ENT_COMMON}, /* qtr */
    {0x7A5CBB6D0BE1A09EULL, GAL_ENT_ORG}, /* organisation */
    {0x7A61078B0A0C284CULL, GAL_ENT_DEMONYM}, /* swiss */
    {0x7AB01772A2A350D3ULL, GAL_ENT_FUNC}, /* thank */
    {0x7ADB1C8ED0755B7FULL, GAL_ENT_FUNC}, /* many */
    {0x7ADC8EAF217C0274ULL, GAL_ENT_ORG}, /* foundation */
    {0x7B6245CF29B23857ULL, GAL_ENT_MOD}, /* trade */
    {0x7BF233BEF3809DF4ULL, GAL_ENT_COMMON}, /* revs */
    {0x7C43A733A90BA8F5ULL, GAL_ENT_LEAD}, /* judge */
    {0x7CAC343F12EEFE01ULL, GAL_ENT_LEAD}, /* princess */
    {0x7CAEB6F006EC8FC6ULL, GAL_ENT_DEMONYM}, /* irish */
    {0x7D34916AB4CC0AB4ULL, GAL_ENT_DEMONYM}, /* dutch */
    {0x7D81601982430325ULL, GAL_ENT_ORG}, /* centre */
    {0x7D8707B89D256E13ULL, GAL_ENT_CONN}, /* den */
    {0x7DE29B329475CEC9ULL, GAL_ENT_FUNC}, /* yes */
    {0x7E53839E9033A185ULL, GAL_ENT_HON}, /* maj */
    {0x7E77E32E598E0E30ULL, GAL_ENT_DEMONYM}, /* soviet */
    {0x7F22289CCD9BA290ULL, GAL_ENT_DEMONYM}, /* eastern */
    {0x801CF9F21F3D0180ULL, GAL_ENT_DATE}, /* february */
    {0x801F82D0F6150629ULL, GAL_ENT_FUNC}, /* on */
    {0x804404ECCA71E3A6ULL, GAL_ENT_ORG}, /* authority */
    {0x804ABE2333939386ULL, GAL_ENT_DATE}, /* sunday */
    {0x806D7CF0C215B496ULL, GAL_ENT_FUNC}, /* according */
    {0x80D1DF762FC4EB8BULL, GAL_ENT_FUNC}, /* when */
    {0x82A2DD24E7464E04ULL, GAL_ENT_MOD}, /* former */
    {0x82FF6444544E7B3CULL, GAL_ENT_COMMON}, /* ram */
    {0x830B6EE429BD5E3CULL, GAL_ENT_FUNC}, /* anybody */
    {0x83BBF9E55051DFDFULL, GAL_ENT_DEMONYM}, /* vietnamese */
    {0x855B71DA79DC7FB0ULL, GAL_ENT_COMMON}, /* pm */
    {0x8657F6A00F9DBBC1ULL, GAL_ENT_DATE}, /* november */
    {0x86A3355FED975CA7ULL, GAL_ENT_ORG}, /* partners */
    {0x86FCBFD54E3A4BDDULL, GAL_ENT_COMMON}, /* ad */
    {0x87577D47BD44C924ULL, GAL_ENT_COMMON}, /* ps */
    {0x879D3AE8E80CB41CULL, GAL_ENT_DEMONYM}, /* jewish */
    {0x87A5380E749AC211ULL, GAL_ENT_DEMONYM}, /* saudi */
    {0x886A5CC2BE68B431ULL, GAL_ENT_DEMONYM}, /* cuban */
    {0x88B35DAABE13F642ULL, GAL_ENT_FUNC}, /* how */
    {0x898B49AC24EFBB57ULL, GAL_ENT_ORG}, /* club */
    {0x89A357D0DC911900ULL, GAL_ENT_DATE}, /* january */
    {0x8A5462750D046E36ULL, GAL_ENT_DEMONYM}, /* peruvian */
    {0x8AD7B2970A24637BULL, GAL_ENT_ABBR}, /* ft */
    {0x8BBE8579AB51F6D7ULL, GAL_ENT_DATE}, /* nov */
    {0x8BC750DE8371CDA6ULL, GAL_ENT_FUNC}, /* not */
    {0x8C737E4424A9929EULL, GAL_ENT_FUNC}, /* her */
    {0x8CE4538F393E2029ULL, GAL_ENT_DATE}, /* july */
    {0x8CF34D7DB743B07DULL, GAL_ENT_MOD}, /* associate */
    {0x8D4878D06E193627ULL, GAL_ENT_ORG}, /* trust */
    {0x8DB4CBB465AC734CULL, GAL_ENT_FUNC}, /* next */
    {0x8E35A98C7173CAA1ULL, GAL_ENT_LEAD}, /* cardinal */
    {0x8E37021F46E580CAULL, GAL_ENT_HON}, /* cmdr */
    {0x8EC23845948B605CULL, GAL_ENT_CONN}, /* das */
    {0x8FBCBA23C51B2FBFULL, GAL_ENT_ORG}, /* laboratories */
    {0x925BBBB75FA294D4ULL, GAL_ENT_FUNC}, /* we */
    {0x9285645E14ECA7FDULL, GAL_ENT_DEMONYM}, /* danish */
    {0x92D382DF87F4581DULL, GAL_ENT_FUNC}, /* tomorrow */
    {0x93B9009073709E5FULL, GAL_ENT_COMMON}, /* bln */
    {0x93C74F8FC9C34EE3ULL, GAL_ENT_DATE}, /* march */
    {0x954FEE3BF8FA1359ULL, GAL_ENT_FUNC}, /* both */
    {0x960A4C5392A39DAEULL, GAL_ENT_COMMON}, /* ceo */
    {0x96C6D3AC976C913BULL, GAL_ENT_DATE}, /* saturday */
    {0x96DA287DEDE280A9ULL, GAL_ENT_ABBR}, /* sr */
    {0x96E8626C54E0F0FAULL, GAL_ENT_DEMONYM}, /* finn */
    {0x96EF60854527CDE0ULL, GAL_ENT_ORG}, /* city */
    {0x972A1485837DFEFDULL, GAL_ENT_FUNC}, /* whose */
    {0x974625D8AE86E5AAULL, GAL_ENT_MOD}, /* economic */
    {0x9776E94CC826AF78ULL, GAL_ENT_DATE}, /* june */
    {0x9973EAC9777C3499ULL, GAL_ENT_LEAD}, /* king */
    {0x9AA37BC062C056F0ULL, GAL_ENT_DEMONYM}, /* frenchman */
    {0x9AEE50253B3ECFE9ULL, GAL_ENT_DATE}, /* dec */
    {0x9B624240839972F7ULL, GAL_ENT_ORG}, /* industries */
    {0x9C54E17AEE0D6C38ULL, GAL_ENT_MOD}, /* commerce */
    {0x9D02699B4347961FULL, GAL_ENT_FUNC}, /* who */
    {0x9DAA95FAAE451161ULL, GAL_ENT_HON}, /* sheikh */
    {0x9DBD2A3D7B901868ULL, GAL_ENT_FUNC}, /* now */
    {0x9E0660E5D013333DULL, GAL_ENT_DEMONYM}, /* russian */
    {0x9E591684399201D7ULL, GAL_ENT_FUNC}, /* there */
    {0x9F210003FD042DC9ULL, GAL_ENT_MOD}, /* senior */
    {0xA0886144F595E8EAULL, GAL_ENT_FUNC}, /* furthermore */
    {0xA0B0BCFCEA01980AULL, GAL_ENT_FUNC}, /* must */
    {0xA1230BB10DAF3DAAULL, GAL_ENT_MOD}, /* interior */
    {0xA1CE8DB8B1918FB8ULL, GAL_ENT_FUNC}, /* will */
    {0xA25DF9578561E334ULL, GAL_ENT_COMMON}, /* mln */
    {0xA2C3804C4FB7E7FBULL, GAL_ENT_ORG}, /* church */
    {0xA2D0A375E9967AC8ULL, GAL_ENT_ROLE}, /* actress */
    {0xA390D64ECB3CC7CDULL, GAL_ENT_ORG}, /* states */
    {0xA39ECF4EA9E75F49ULL, GAL_ENT_FUNC}, /* since */
    {0xA3F7E050B8F9997AULL, GAL_ENT_FUNC}, /* if */
    {0xA3FF312611F20A5AULL, GAL_ENT_ORG}, /* agency */
    {0xA45ADD9492317248ULL, GAL_ENT_LEAD}, /* pope */
    {0xA58E338A43D95246ULL, GAL_ENT_DEMONYM}, /* argentine */
    {0xA5BD86DC2C1589EBULL, GAL_ENT_FUNC}, /* though */
    {0xA62C34010BB25390ULL, GAL_ENT_FUNC}, /* shall */
    {0xA62F2A81D3DF132DULL, GAL_ENT_ORG}, /* electric */
    {0xA6BE2BAA78F5B262ULL, GAL_ENT_FUNC}, /* could */
    {0xA6D439805BCA8423ULL, GAL_ENT_MOD}, /* transport */
    {0xA86D84EB93584A87ULL, GAL_ENT_ORG}, /* limited */
    {0xA8D96553A445911FULL, GAL_ENT_DEMONYM}, /* swede */
    {0xA9F3049A14930209ULL, GAL_ENT_FUNC}, /* might */
    {0xAA312A8E6406E92EULL, GAL_ENT_ROLE}, /* senator */
    {0xAB0006A490F5BFF6ULL, GAL_ENT_ORG}, /* banks */
    {0xAB1B502B7E4B7539ULL, GAL_ENT_FUNC}, /* as */
    {0xAD022135EF67E7E1ULL, GAL_ENT_FUNC}, /* here */
    {0xAE375234A7A0AAFAULL, GAL_ENT_MOD}, /* deputy */
    {0xAE7483881469FB04ULL, GAL_ENT_ORG}, /* department */
    {0xAE93F13A3B5EC49EULL, GAL_ENT_FUNC}, /* until */
    {0xAF9C94889CD8712BULL, GAL_ENT_ROLE}, /* executive */
    {0xAFAA2703E9D95FF6ULL, GAL_ENT_MOD}, /* vice */
    {0xAFFEFECE2AB43B70ULL, GAL_ENT_DEMONYM}, /* czech */
    {0xB038649A1AB9D493ULL, GAL_ENT_MOD}, /* environment */
    {0xB07B64F17DA5029EULL, GAL_ENT_ORG}, /* cos */
    {0xB12AD48020732C5BULL, GAL_ENT_ORG}, /* securities */
    {0xB14FA871E5EE1524ULL, GAL_ENT_DEMONYM}, /* muslim */
    {0xB20A4B3D52AC8AD1ULL, GAL_ENT_FUNC}, /* dear */
    {0xB33C815025DB8A37ULL, GAL_ENT_ORG}, /* county */
    {0xB39F56302E2DF00BULL, GAL_ENT_MOD}, /* health */
    {0xB3B91CD18D688319ULL, GAL_ENT_DEMONYM}, /* turkish */
    {0xB404B9E0CCC2751BULL, GAL_ENT_COMMON}, /* mths */
    {0xB44ACD3D9FD7451BULL, GAL_ENT_ORG}, /* services */
    {0xB6A43C219D542CFAULL, GAL_ENT_LEAD}, /* emperor */
    {0xB73F4B1ABFB3C423ULL, GAL_ENT_DEMONYM}, /* romanian */
    {0xB75EFA90352A1DB4ULL, GAL_ENT_FUNC}, /* also */
    {0xB776B85F84F2BF95ULL, GAL_ENT_DEMONYM}, /* japanese */
    {0xB78DB5EFF39963EDULL, GAL_ENT_DEMONYM}, /* swedish */
    {0xB7CC15A42609B4EBULL, GAL_ENT_DATE}, /* tue */
    {0xB83036EAA13EBE6FULL, GAL_ENT_FUNC}, /* other */
    {0xB861430BD3D346F0ULL, GAL_ENT_FUNC|GAL_ENT_DATE}, /* may */
    {0xB8800F1EC58C236AULL, GAL_ENT_CONN|GAL_ENT_FUNC}, /* do */
    {0xB8FEF952DAC17F05ULL, GAL_ENT_HON}, /* rev */
    {0xB98FD3658197F0DDULL, GAL_ENT_ROLE}, /* officer */
    {0xBA69363658BF7BE0ULL, GAL_ENT_FUNC}, /* was */
    {0xBA9580F518C3F9F6ULL, GAL_ENT_ORG}, /* corporation */
    {0xBB2CE6B10D139A44ULL, GAL_ENT_ORG}, /* press */
    {0xBC01642D9643767BULL, GAL_ENT_COMMON}, /* avg */
    {0xBC1C69FE4365B9BDULL, GAL_ENT_ROLE}, /* speaker */
    {0xBCB429570AA31391ULL, GAL_ENT_FUNC}, /* each */
    {0xBDEB8F68B00129B8ULL, GAL_ENT_CONN}, /* el */
    {0xBE5CFFFB7E77CD37ULL, GAL_ENT_DEMONYM}, /* malaysian */
    {0xBF30405DF4C4157FULL, GAL_ENT_DEMONYM}, /* canadian */
    {0xBF324C891F0C21B1ULL, GAL_ENT_ORG}, /* office */
    {0xC1A674680A3E88B4ULL, GAL_ENT_ORG}, /* products */
    {0xC1D38689E72F434BULL, GAL_ENT_FUNC}, /* an */
    {0xC1FAE67B0591D13AULL, GAL_ENT_ORG}, /* college */
    {0xC34025BC8440B17DULL, GAL_ENT_ROLE}, /* coach */
    {0xC39CF01B49D28780ULL, GAL_ENT_COMMON}, /* dna */
    {0xC3AE8186B37E3E58ULL, GAL_ENT_COMMON}, /* cfo */
    {0xC3C251137FD6F9ABULL, GAL_ENT_ORG}, /* companies */
    {0xC4B5A62E76C8E335ULL, GAL_ENT_DEMONYM}, /* norwegian */
    {0xC4BA9DB403EB48A8ULL, GAL_ENT_ROLE}, /* striker */
    {0xC72AF1E011A45894ULL, GAL_ENT_CONN}, /* la */
    {0xC9071DCEFB7E8140ULL, GAL_ENT_ROLE}, /* captain */
    {0xC94D8894FBD048FAULL, GAL_ENT_ORG}, /* ltd */
    {0xCABDDDB892D61791ULL, GAL_ENT_CONN}, /* ter */
    {0xCB718F4CB6A31646ULL, GAL_ENT_DATE}, /* tues */
    {0xCCCE923A780108BFULL, GAL_ENT_DEMONYM}, /* austrian */
    {0xCD22B61C3CD1922FULL, GAL_ENT_MOD}, /* foreign */
    {0xCE77EBBD071E6D31ULL, GAL_ENT_FUNC}, /* but */
    {0xCEB058A92AC783BFULL, GAL_ENT_FUNC}, /* so */
    {0xCF3B8850B41AF3CDULL, GAL_ENT_ORG}, /* inc */
    {0xCFDA23DDFD179752ULL, GAL_ENT_ORG}, /* fund */
    {0xD070BDD134687BDEULL, GAL_ENT_DATE}, /* august */
    {0xD080D2160C01091FULL, GAL_ENT_DATE}, /* mon */
    {0xD0C667E54CCF1076ULL, GAL_ENT_ORG}, /* ministry */
    {0xD1275F5392D9A965ULL, GAL_ENT_FUNC}, /* once */
    {0xD13F0956AF481CC9ULL, GAL_ENT_DATE}, /* jun */
    {0xD193601B92299F07ULL, GAL_ENT_MOD}, /* managing */
    {0xD2641E006EA13231ULL, GAL_ENT_COMMON}, /* dlrs */
    {0xD2ACC4CA63143D51ULL, GAL_ENT_FUNC}, /* whom */
    {0xD3695277C91EB3A3ULL, GAL_ENT_ORG}, /* board */
    {0xD41C5191EFA75E28ULL, GAL_ENT_ROLE}, /* chairwoman */
    {0xD4CCC5A908A6B7DBULL, GAL_ENT_ORG}, /* post */
    {0xD514FCD332562932ULL, GAL_ENT_ROLE}, /* secretary */
    {0xD52B008C2723EC77ULL, GAL_ENT_CONN}, /* van */
    {0xD57B42A25F3BA8DAULL, GAL_ENT_COMMON}, /* qtly */
    {0xD6D4F75BA621607CULL, GAL_ENT_MOD}, /* industry */
    {0xD769FE1EF491BADAULL, GAL_ENT_HON}, /* mlle */
    {0xD79BDE2F7E3BF341ULL, GAL_ENT_LEAD}, /* queen */
    {0xD7D8329D31E986BBULL, GAL_ENT_ROLE}, /* leader */
    {0xD7E897DA9DE97720ULL, GAL_ENT_FUNC}, /* has */
    {0xD90FA86392822ABEULL, GAL_ENT_DEMONYM}, /* taiwanese */
    {0xD9ED324B78D0A5E9ULL, GAL_ENT_COMMON}, /* gdp */
    {0xDA25DDDFC64CB352ULL, GAL_ENT_ORG}, /* river */
    {0xDA39F7B75726DDF3ULL, GAL_ENT_HON}, /* ms */
    {0xDA705BC463A11897ULL, GAL_ENT_FUNC}, /* were */
    {0xDAED0505A47B0931ULL, GAL_ENT_COMMON}, /* mp */
    {0xDB37667413DC22FBULL, GAL_ENT_HON}, /* dr */
    {0xDB9BBA9A20601FB1ULL, GAL_ENT_FUNC}, /* more */
    {0xDC32EAA39B229F3DULL, GAL_ENT_MOD}, /* state */
    {0xDCAC1755DB58BF49ULL, GAL_ENT_ORG}, /* organization */
    {0xDDDBC8FD1C839E1EULL, GAL_ENT_CONN}, /* of */
    {0xDE0F0B72216443B6ULL, GAL_ENT_ROLE}, /* treasurer */
    {0xDE13EB7FAED214D9ULL, GAL_ENT_ORG}, /* reserve */
    {0xDE5F76D0C675B175ULL, GAL_ENT_ORG}, /* entertainment */
    {0xDEF79DBAF790DD08ULL, GAL_ENT_COMMON}, /* vat */
    {0xE038EDEA8CBAAE48ULL, GAL_ENT_CONN}, /* de */
    {0xE100724D98E2E303ULL, GAL_ENT_ORG}, /* news */
    {0xE145954BD61D6846ULL, GAL_ENT_ORG}, /* committee */
    {0xE2CFB987D4996B93ULL, GAL_ENT_DATE}, /* tuesday */
    {0xE322BAAA4DC114F2ULL, GAL_ENT_DEMONYM}, /* english */
    {0xE5005C5949DF4D5BULL, GAL_ENT_FUNC}, /* before */
    {0xE66C4D7AAEC6B574ULL, GAL_ENT_DEMONYM}, /* indian */
    {0xE7C125615E9B8762ULL, GAL_ENT_FUNC}, /* well */
    {0xE7E732DFF2A31B40ULL, GAL_ENT_COMMON}, /* tv */
    {0xE80A10446E6B7D59ULL, GAL_ENT_FUNC}, /* these */
    {0xE8F1ECAA7CF964C9ULL, GAL_ENT_COMMON}, /* pct */
    {0xE8FAA2CCEF8D4F8BULL, GAL_ENT_ROLE}, /* mayor */
    {0xE99561412BD342A4ULL, GAL_ENT_HON}, /* adm */
    {0xEAF0A1B3B2FDFD71ULL, GAL_ENT_DATE}, /* december */
    {0xEB5ACA6C11705E2CULL, GAL_ENT_FUNC}, /* those */
    {0xEB77E29686860B7DULL, GAL_ENT_FUNC}, /* after */
    {0xEB7FC6CF7270EAB1ULL, GAL_ENT_DEMONYM}, /* welsh */
    {0xECE21B7D0F1BBA1DULL, GAL_ENT_MOD}, /* home */
    {0xED42E3315925900EULL, GAL_ENT_COMMON}, /* hiv */
    {0xED75157E348CA0D0ULL, GAL_ENT_FUNC}, /* over */
    {0xEDDD46173F766D16ULL, GAL_ENT_DATE}, /* thur */
    {0xEE3FE3A0DF09F695ULL, GAL_ENT_ORG}, /* council */
    {0xEEEE36063A8B0EEAULL, GAL_ENT_FUNC}, /* they */
    {0xEF186E4721D4FDCBULL, GAL_ENT_HON}, /* mrs */
    {0xEF1D1AAE32ACA111ULL, GAL_ENT_ORG}, /* party */
    {0xEF33C9ED59EA3606ULL, GAL_ENT_ROLE}, /* spokesperson */
    {0xEF448D411F4510E8ULL, GAL_ENT_ROLE}, /* president */
    {0xEF89A27A2647A666ULL, GAL_ENT_MOD}, /* economy */
    {0xF02F4DE5D6DD27D3ULL, GAL_ENT_HON}, /* sen */
    {0xF12B9D146DB9B9FFULL, GAL_ENT_DEMONYM}, /* dane */
    {0xF171498363317E44ULL, GAL_ENT_FUNC}, /* meanwhile */
    {0xF20AC095640A713FULL, GAL_ENT_COMMON}, /* shrs */
    {0xF22C9449FC0CD5B1ULL, GAL_ENT_DEMONYM}, /* korean */
    {0xF2BAEF08311ABCC6ULL, GAL_ENT_FUNC}, /* at */
    {0xF2E603D9F7E6A118ULL, GAL_ENT_ORG}, /* union */
    {0xF2FF19D250037CE8ULL, GAL_ENT_HON}, /* lt */
    {0xF3291B896C0718CEULL, GAL_ENT_FUNC}, /* it */
    {0xF32B385743E241A1ULL, GAL_ENT_CONN}, /* von */
    {0xF599BDB217FD67C0ULL, GAL_ENT_FUNC}, /* their */
    {0xF69530E9F6E8463AULL, GAL_ENT_DEMONYM}, /* iraqi */
    {0xF6C0F84AF331F4F1ULL, GAL_ENT_FUNC}, /* much */
    {0xF77EC97BED1E7A60ULL, GAL_ENT_FUNC}, /* why */
    {0xF819D45670173AC4ULL, GAL_ENT_DEMONYM}, /* egyptian */
    {0xF8ABF25BF9294B02ULL, GAL_ENT_HON}, /* col */
    {0xF8AE678CC8D4BE5FULL, GAL_ENT_ORG}, /* league */
    {0xF8F38CC71D04F62DULL, GAL_ENT_CONN}, /* del */
    {0xF97BD5108A6E0E43ULL, GAL_ENT_DATE}, /* thursday */
    {0xF9CA6990E3249BFEULL, GAL_ENT_DEMONYM}, /* german */
    {0xFA0E4F2AD2CDDEA8ULL, GAL_ENT_DEMONYM}, /* nigerian */
    {0xFC13CDAAF7FC4898ULL, GAL_ENT_COMMON}, /* note */
    {0xFC946C8DC21FEA1FULL, GAL_ENT_DATE}, /* aug */
    {0xFCAE1E879F80682EULL, GAL_ENT_FUNC}, /* did */
    {0xFCCAA5C64EF55078ULL, GAL_ENT_FUNC}, /* only */
    {0xFCDFBF3EB20DCC68ULL, GAL_ENT_ORG}, /* exchange */
    {0xFDA6D1CA805A54DBULL, GAL_ENT_ABBR}, /* mt */
    {0xFEB06FC5A8C421C5ULL, GAL_ENT_ABBR}, /* jr */
    {0xFFAFB2FE29B1ACADULL, GAL_ENT_HON}, /* lord */
    {0xFFE28A2F9ABDB458ULL, GAL_ENT_FUNC}, /* what */
    {0xFFE3B76D16D09DD7ULL, GAL_ENT_HON}, /* rep */
};

/* Bit (h >> 52) & 63 of word h >> 58 is set when a listed word's hash has
 * those top 12 bits: most words are answered "no class" by one load.
 * Generated with the table above. */
GAL_CONST gal_u64 gal_ent_filter[64] = {
    0x008808000280B002ULL, 0x0400031008004000ULL,
    0x9101004000400000ULL, 0x0068800288010001ULL,
    0x8000800001118824ULL, 0x1000512008400518ULL,
    0x2140101000860028ULL, 0x0380800862000014ULL,
    0x005000104C204C82ULL, 0x0800860100001100ULL,
    0x3030001040000020ULL, 0x0000040040000082ULL,
    0x0010202000400000ULL, 0x002000090104000AULL,
    0x0002042000020000ULL, 0x0000400880194900ULL,
    0x024040A001600001ULL, 0x0029000002088400ULL,
    0x0001C00022805000ULL, 0x0050000404400000ULL,
    0x0010041040000000ULL, 0x0020800200004020ULL,
    0x0400840024210844ULL, 0x0004410444840000ULL,
    0x40008408400A0000ULL, 0x1008480002008244ULL,
    0x00000B00006220A8ULL, 0x0080002100808000ULL,
    0x1004908000140000ULL, 0x3404002823006000ULL,
    0x8040286011061000ULL, 0x000400A041080410ULL,
    0x0801840000002052ULL, 0x0620842000200000ULL,
    0x1800202005000840ULL, 0x080010080810C080ULL,
    0x1800212000000000ULL, 0x0094700100100000ULL,
    0x0040440000800000ULL, 0x000400210C010020ULL,
    0x8200302010040900ULL, 0x0000280409000020ULL,
    0x0003000880002040ULL, 0x8600028800010000ULL,
    0x0A08000100140088ULL, 0x11A8040000000011ULL,
    0x0004024001008148ULL, 0x0008002040000803ULL,
    0x16100000A4000000ULL, 0x0004000000000800ULL,
    0x0080080000110000ULL, 0x2008088000041000ULL,
    0x00400440020C1180ULL, 0x6240200000861002ULL,
    0x0208408C40010000ULL, 0x0000802320000408ULL,
    0x0004100000110008ULL, 0x5000004000010000ULL,
    0x00A0800002008001ULL, 0x011A400820904000ULL,
    0x0004C80500840004ULL, 0x0080120002000000ULL,
    0x0000000110808402ULL, 0x4400080004003602ULL,
};

/* gal_ent_words[gal_ent_bucket[k], gal_ent_bucket[k + 1]) are the words
 * whose hash has k in its top GAL_ENT_BUCKET_BITS bits (one or two, as
 * hashes are uniform): a lookup past the filter compares with those only.
 * Generated with the table above. */
#define GAL_ENT_BUCKET_BITS 10u
GAL_CONST gal_u16 gal_ent_bucket[(1u << GAL_ENT_BUCKET_BITS) + 1u] = {
    0, 1, 1, 1, 4, 4, 5, 6, 6, 6, 6, 7, 7, 8, 9, 9,
    9, 9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 15, 15, 15, 15, 16,
    16, 16, 16, 16, 16, 16, 17, 17, 17, 17, 18, 18, 18, 19, 19, 20,
    23, 24, 24, 24, 24, 25, 25, 26, 27, 28, 28, 28, 29, 30, 32, 32,
    32, 33, 34, 35, 36, 37, 38, 39, 39, 39, 39, 39, 41, 41, 41, 41,
    42, 43, 44, 46, 46, 46, 47, 49, 49, 49, 50, 51, 53, 53, 53, 53,
    55, 57, 59, 59, 59, 61, 62, 62, 62, 62, 64, 64, 65, 65, 66, 67,
    68, 69, 70, 70, 70, 70, 70, 71, 74, 75, 75, 75, 76, 76, 77, 79,
    79, 80, 81, 84, 85, 85, 86, 89, 90, 90, 91, 91, 91, 91, 93, 93,
    93, 93, 93, 94, 95, 95, 95, 95, 95, 96, 96, 100, 101, 101, 101, 103,
    103, 103, 104, 104, 104, 104, 104, 104, 105, 105, 106, 106, 106, 106, 108, 108,
    110, 111, 112, 112, 112, 112, 112, 112, 113, 113, 113, 114, 114, 114, 114, 114,
    114, 114, 114, 114, 114, 114, 115, 115, 115, 115, 116, 116, 117, 117, 118, 118,
    118, 120, 120, 120, 120, 121, 121, 122, 122, 126, 126, 126, 126, 126, 127, 127,
    127, 127, 127, 127, 127, 128, 128, 128, 128, 128, 129, 130, 130, 131, 131, 131,
    131, 131, 131, 133, 134, 136, 137, 137, 139, 140, 140, 140, 142, 142, 142, 142,
    142, 143, 143, 143, 143, 143, 145, 146, 146, 146, 148, 148, 149, 149, 150, 151,
    151, 151, 151, 152, 153, 154, 154, 155, 155, 155, 155, 155, 155, 157, 158, 158,
    158, 158, 158, 158, 160, 160, 161, 162, 163, 163, 163, 163, 165, 166, 166, 166,
    166, 166, 166, 166, 166, 166, 167, 168, 168, 169, 169, 169, 169, 169, 171, 171,
    171, 171, 171, 171, 171, 171, 171, 171, 172, 172, 173, 174, 174, 174, 175, 175,
    175, 175, 176, 176, 177, 177, 177, 177, 177, 178, 178, 178, 180, 180, 181, 181,
    181, 183, 184, 186, 186, 187, 188, 189, 190, 190, 190, 191, 192, 192, 192, 193,
    193, 193, 193, 193, 193, 194, 195, 196, 197, 198, 198, 200, 201, 202, 202, 202,
    202, 202, 202, 202, 202, 204, 204, 204, 205, 206, 206, 207, 208, 208, 208, 208,
    209, 210, 211, 212, 213, 213, 213, 214, 214, 214, 214, 215, 216, 217, 217, 217,
    218, 219, 221, 221, 222, 223, 225, 225, 225, 225, 225, 229, 229, 229, 229, 229,
    229, 229, 229, 229, 230, 230, 231, 231, 231, 232, 233, 233, 233, 233, 234, 234,
    234, 234, 234, 234, 234, 235, 236, 236, 236, 236, 237, 237, 239, 240, 240, 240,
    241, 241, 241, 241, 243, 243, 243, 245, 246, 247, 248, 248, 248, 249, 249, 250,
    253, 253, 253, 253, 254, 256, 256, 257, 258, 258, 260, 261, 263, 263, 264, 264,
    265, 265, 266, 268, 268, 269, 269, 271, 272, 272, 274, 274, 274, 275, 275, 275,
    275, 277, 280, 280, 281, 281, 281, 281, 281, 281, 281, 282, 283, 284, 284, 285,
    285, 285, 285, 285, 285, 285, 286, 286, 286, 286, 287, 288, 289, 289, 290, 292,
    292, 292, 293, 294, 294, 294, 294, 296, 296, 296, 297, 297, 298, 298, 298, 299,
    300, 300, 301, 301, 303, 303, 304, 305, 305, 307, 307, 307, 308, 308, 308, 309,
    309, 309, 309, 309, 309, 309, 309, 309, 309, 309, 310, 311, 312, 312, 312, 313,
    314, 314, 314, 314, 314, 314, 315, 315, 315, 316, 316, 316, 320, 321, 323, 323,
    323, 323, 323, 323, 323, 323, 324, 324, 324, 324, 324, 325, 326, 326, 327, 327,
    327, 327, 328, 328, 328, 329, 329, 331, 331, 332, 333, 333, 333, 334, 334, 334,
    334, 334, 334, 336, 336, 337, 337, 337, 338, 338, 339, 339, 341, 341, 341, 343,
    345, 345, 346, 346, 346, 346, 346, 348, 348, 350, 350, 351, 352, 352, 352, 352,
    352, 352, 353, 353, 354, 354, 354, 354, 355, 356, 356, 356, 356, 358, 358, 358,
    358, 358, 358, 358, 358, 359, 359, 359, 359, 360, 361, 362, 362, 362, 362, 364,
    365, 366, 367, 367, 367, 368, 369, 369, 369, 370, 370, 370, 370, 371, 371, 373,
    373, 374, 375, 375, 375, 375, 375, 375, 375, 375, 375, 376, 376, 377, 379, 380,
    381, 382, 383, 384, 385, 385, 385, 386, 386, 386, 387, 388, 388, 389, 389, 389,
    389, 391, 391, 392, 392, 392, 392, 392, 393, 393, 394, 394, 394, 396, 396, 396,
    396, 396, 396, 396, 396, 396, 396, 397, 399, 399, 399, 399, 399, 399, 400, 402,
    403, 403, 403, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 406, 406, 406,
    406, 406, 406, 406, 406, 407, 408, 408, 408, 408, 408, 409, 409, 409, 410, 410,
    410, 410, 410, 410, 411, 412, 412, 412, 412, 412, 413, 414, 414, 415, 415, 415,
    416, 416, 417, 418, 419, 421, 421, 422, 422, 422, 423, 424, 424, 424, 425, 425,
    425, 426, 426, 426, 427, 429, 430, 430, 430, 430, 430, 430, 431, 431, 432, 433,
    435, 435, 435, 435, 435, 436, 436, 436, 437, 439, 440, 440, 441, 442, 442, 443,
    443, 444, 444, 445, 445, 445, 445, 445, 446, 448, 449, 449, 450, 450, 450, 450,
    450, 451, 451, 451, 451, 452, 453, 453, 453, 453, 453, 453, 454, 455, 455, 455,
    455, 455, 455, 455, 455, 456, 456, 456, 456, 456, 457, 457, 457, 457, 457, 457,
    459, 460, 460, 460, 462, 462, 462, 463, 463, 463, 463, 463, 464, 464, 467, 467,
    467, 467, 467, 467, 468, 468, 470, 470, 471, 472, 472, 472, 473, 476, 477, 478,
    478, 479, 479, 479, 479, 480, 481, 481, 481, 483, 483, 484, 486, 488, 488, 488,
    488, 488, 488, 488, 488, 488, 488, 489, 489, 489, 489, 490, 491, 491, 492, 492,
    492, 493, 493, 495, 496, 496, 497, 497, 498, 499, 499, 499, 499, 499, 499, 499,
    499, 500, 500, 502, 504, 504, 504, 505, 505, 505, 505, 506, 506, 506, 506, 507,
    509,
};

/* Classes of a word from its GAL_SEED_WORD hash; 0 for most words. */
GAL_FN gal_u32 gal_ent_class(gal_u64 h)
{
    if (!((gal_ent_filter[h >> 58] >> ((h >> 52) & 63u)) & 1u))
        return 0;
    gal_u32 k = (gal_u32)(h >> (64u - GAL_ENT_BUCKET_BITS));
    for (gal_u32 j = gal_ent_bucket[k]; j < gal_ent_bucket[k + 1u]; j++)
        if (gal_ent_words[j].hash == h)
            return gal_ent_words[j].cls;
    return 0;
}

/* Is cp a lower-case letter (for shouting)?  Covers the ranges that
 * gal_cp_fold maps onto, plus ß and ÿ. */
GAL_FN int gal_ent_is_lower(gal_i32 cp)
{
    if (cp < 0x80)
        return cp >= 'a' && cp <= 'z';
    if (cp >= 0xDF && cp <= 0xFF)
        return cp != 0xF7;
    if (cp >= 0x100 && cp <= 0x17F)
        return gal_cp_fold(cp) == cp;
    return (cp >= 0x3AC && cp <= 0x3CE) || (cp >= 0x430 && cp <= 0x45F);
}

/* Eight bytes at a time (gal_load8 and gal_bytes_in, tokenizer_rules.h),
 * for the scans below that mostly meet ASCII. */
#define GAL_ENT_BYTES_INDEX ((gal_u64)0x0001020304050607ull) /* byte k holds 7 - k */

/* How many bytes of m (only top bits set) have their top bit set: the
 * multiply adds the eight 0/1 bytes up into the top byte. */
GAL_FN gal_u32 gal_ent_bytes_count(gal_u64 m)
{
    return (gal_u32)(((m >> 7) * GAL_BYTES_01) >> 56);
}

/* Does the line text[lo, hi) shout (rule 3)? */
GAL_FN int gal_ent_shouts(GAL_TEXT text, gal_u32 lo, gal_u32 hi)
{
    gal_u32 up = 0, low = 0;
    /* It shouts only if up >= 3 * low at the end (75%), so once even a
     * capital in every byte left could not get there the answer is no:
     * prose is decided within its first third.  Over 2^25 bytes the
     * products below wrap, so such a line is counted to the end to give
     * the very same answer. */
    gal_u32 may_stop = hi - lo < (1u << 25);
    for (gal_u32 i = lo; i < hi;) {
        if (may_stop && up + (hi - i) < 3u * low)
            return 0;
        if (hi - i >= 8u) { /* eight ASCII bytes: count their letters at once */
            gal_u64 w = gal_load8(text + i);
            if (!(w & GAL_BYTES_80)) {
                up += gal_ent_bytes_count(gal_bytes_in(w, 'A', 'Z'));
                low += gal_ent_bytes_count(gal_bytes_in(w, 'a', 'z'));
                i += 8u;
                continue;
            }
        }
        gal_u32 b = text[i];
        if (b < 0x80u) { /* ASCII: the same answers without decoding */
            up += b - 'A' < 26u;
            low += b - 'a' < 26u;
            i++;
            continue;
        }
        gal_i32 cp;
        i += gal_utf8_decode(text, i, hi, &cp);
        if (cp < 0)
            continue;
        if (gal_cp_fold(cp) != cp)
            up++;
        else if (gal_ent_is_lower(cp))
            low++;
    }
    gal_u32 cased = up + low;
    return cased >= GAL_ENT_SHOUT_MIN && up * 100u >= cased * GAL_ENT_SHOUT_PCT;
}

/* Where the line holding text[i] ends: the first '\n' in text[i, hi), or
 * hi.  The host has a vectorised memchr for this; the device steps over
 * eight bytes without a '\n' at a time (a byte at a time, this scan was a
 * tenth of the entity kernel's time on PoCL) and finds the byte itself
 * in the last word. */
GAL_FN gal_u32 gal_ent_line_end(GAL_TEXT text, gal_u32 i, gal_u32 hi)
{
#if defined(__OPENCL_VERSION__) || defined(__OPENCL_C_VERSION__)
    for (; i < hi && hi - i >= 8u; i += 8u) {
        gal_u64 x = gal_load8(text + i) ^ (GAL_BYTES_01 * (gal_u64)'\n'); /* 0 where '\n' */
        if ((x - GAL_BYTES_01) & ~x & GAL_BYTES_80)
            break;
    }
    while (i < hi && text[i] != '\n')
        i++;
    return i;
#else
    const gal_u8 *nl = i < hi ? (const gal_u8 *)memchr(text + i, '\n', hi - i) : NULL;
    return nl ? (gal_u32)(nl - text) : hi;
#endif
}

/* token shape */
#define GAL_ENT_T_CAP 1u  /* first code point is upper-case */
#define GAL_ENT_T_ACRO 2u /* two or more code points, all upper-case */
#define GAL_ENT_T_ONE 4u  /* one code point */

/* Shape of the token starting at i; *end is one past its last byte. */
GAL_FN gal_u32 gal_ent_shape(GAL_TEXT text, gal_u32 i, gal_u32 limit, gal_u32 *end)
{
    gal_u32 ncp = 0, all_up = 1, flags = 0;
    /* Most tokens are short ASCII words, and a byte loop mispredicts the
     * branch where each one ends; so the first eight bytes (when the text
     * has them) are taken at once.  Those before the first byte that is
     * not an ASCII letter or digit belong to the token, one code point
     * each, just as the loop below would count them.  The loop then goes
     * on from there with the same state: it stops at once on an ASCII
     * separator, and carries on after a non-ASCII byte (a word character,
     * maybe) or eight word bytes. */
    if (i < limit && limit - i >= 8u) {
        gal_u64 w = gal_load8(text + i);
        gal_u64 ascii = ~w & GAL_BYTES_80, w7 = w & ~GAL_BYTES_80;
        gal_u64 upper = gal_bytes_in(w7, 'A', 'Z') & ascii;
        gal_u64 word = (gal_bytes_in(w7, '0', '9') |
                        gal_bytes_in(w7 | GAL_BYTES_01 * 0x20u, 'a', 'z')) &
                       ascii;
        gal_u64 stop = ~word & GAL_BYTES_80;
        gal_u64 first = stop & (0u - stop); /* top bit of the first other byte, or 0 */
        gal_u64 before = first - 1u;        /* the bits of the bytes before it */
        /* first >> 7 is 1 << 8k for byte k: the multiply puts k in the top byte */
        gal_u32 k = first ? (gal_u32)(((first >> 7) * GAL_ENT_BYTES_INDEX) >> 56) : 8u;
        flags = (upper & 0x80u) ? GAL_ENT_T_CAP : 0u; /* byte 0 upper-case: k >= 1 */
        all_up = (upper & before) == (GAL_BYTES_80 & before);
        ncp = k;
        i += k;
    }
    while (i < limit) {
        gal_i32 cp;
        gal_u32 n = 1, b = text[i], up;
        if (b < 0x80u) { /* ASCII: the same answers without decoding */
            if (b - '0' >= 10u && (b | 0x20u) - 'a' >= 26u)
                break;
            up = b - 'A' < 26u;
        } else {
            n = gal_utf8_decode(text, i, limit, &cp);
            if (!gal_cp_is_word(cp))
                break;
            up = gal_cp_fold(cp) != cp;
        }
        if (ncp == 0 && up)
            flags |= GAL_ENT_T_CAP;
        all_up &= up;
        ncp++;
        i += n;
    }
    *end = i;
    if (ncp == 1)
        flags |= GAL_ENT_T_ONE;
    else if (ncp > 1 && all_up)
        flags |= GAL_ENT_T_ACRO;
    return flags;
}

/* Is the first code point at text[i] upper-case?  The same answer as
 * gal_ent_shape(...) & GAL_ENT_T_CAP, from that code point alone. */
GAL_FN int gal_ent_upper_at(GAL_TEXT text, gal_u32 i, gal_u32 limit)
{
    if (i >= limit)
        return 0;
    gal_u32 b = text[i];
    if (b < 0x80u)
        return b - 'A' < 26u;
    gal_i32 cp;
    gal_utf8_decode(text, i, limit, &cp);
    return gal_cp_fold(cp) != cp; /* only word characters fold */
}

/* Is the token [i, end) part of an address (user_name@host.domain, a/b/c)?
 * Then it is not a name: '@' or '_' touches it, or a '.' or '/' joins it to
 * the next or previous word without a blank (one-letter tokens excepted:
 * U.S., A.H. Belo). */
GAL_FN int gal_ent_address(GAL_TEXT text, gal_u32 i, gal_u32 end, gal_u32 lo, gal_u32 hi,
                           gal_u32 shape)
{
    gal_u32 before = i > lo ? text[i - 1u] : ' ';
    gal_u32 after = end < hi ? text[end] : ' ';
    if (before == '@' || before == '_' || after == '@' || after == '_')
        return 1;
    if (shape & GAL_ENT_T_ONE)
        return 0;
    if ((after == '.' || after == '/') && end + 1u < hi && gal_cp_is_word((gal_i32)text[end + 1u]))
        return 1;
    return (before == '.' || before == '/') && i >= lo + 2u &&
           gal_cp_is_word((gal_i32)text[i - 2u]);
}

/* what the bytes between two tokens allow */
#define GAL_ENT_G_BLANK 1u /* blanks only, at most one line break, no indent after it, no column gap */
#define GAL_ENT_G_END 2u   /* a sentence may end here: . ! ? : or a paragraph break */
#define GAL_ENT_G_DOT 4u   /* "." right after the token, then blanks as in G_BLANK */
#define GAL_ENT_G_HYPH 8u  /* exactly "-" */
#define GAL_ENT_G_APOS 16u /* exactly "'" or U+2019 */
#define GAL_ENT_G_AMP 32u  /* "&" with blanks around it, on one line */

/* The gap text[i, end) between two tokens; line_lo is where the line that
 * holds text[i - 1] (the earlier token's last byte) starts, which the caller
 * already knows, so a line break needs no scan back. */
GAL_FN gal_u32 gal_ent_gap(GAL_TEXT text, gal_u32 i, gal_u32 end, gal_u32 line_lo)
{
    gal_u32 len = end - i, nl = 0, indent = 0, other = 0, stop = 0, amp = 0, g = 0;
    gal_u32 spaces = 0, column = 0;
    if (len == 1u && text[i] == ' ') /* most gaps: what the loop below finds */
        return GAL_ENT_G_BLANK;
    for (gal_u32 k = i; k < end; k++) {
        gal_u32 b = text[k];
        if (b == ' ' || b == '\t') {
            indent += nl ? 1u : 0u;
            spaces = b == ' ' ? spaces + 1u : 0u;
            /* a tab, or a wide gap inside a line, is a table's or a
             * signature's column: "Smith   Acme Corp" names two things
             * (spaces after a line break are an indent, judged above) */
            column |= b == '\t' || (!nl && spaces >= GAL_ENT_COLUMN_SPACES);
        } else if (b == '\n') {
            nl++;
            indent = spaces = 0;
        } else {
            other++;
            spaces = 0;
            stop |= b == '.' || b == '!' || b == '?' || b == ':';
            amp += b == '&';
        }
    }
    int para = nl >= 2u || (nl == 1u && indent >= 2u);
    if (nl == 1u && !para) {
        /* a line break after a short line (a list, a signature, a table)
         * is a paragraph break too; wrapped prose has long lines */
        para = i - line_lo < GAL_ENT_WRAP_MIN;
    }
    if (other == 0 && !para && !column)
        g |= GAL_ENT_G_BLANK;
    if (stop || para)
        g |= GAL_ENT_G_END;
    if (other == 1 && text[i] == '.' && !para && !column)
        g |= GAL_ENT_G_DOT;
    if (len == 1 && text[i] == '-')
        g |= GAL_ENT_G_HYPH;
    if ((len == 1 && text[i] == '\'') ||
        (len == 3 && text[i] == 0xE2u && text[i + 1] == 0x80u && text[i + 2] == 0x99u))
        g |= GAL_ENT_G_APOS;
    if (other == 1 && amp == 1 && nl == 0 && !column)
        g |= GAL_ENT_G_AMP;
    return g;
}

/* mention flags while a document is processed */
#define GAL_ENT_M_TENTATIVE 1u /* one word starting a sentence: rule 6 decides */
#define GAL_ENT_M_PERSON 2u    /* person-like: rule 7 may link to it */
#define GAL_ENT_M_ONE 4u       /* one word */
#define GAL_ENT_M_DROP 8u

/* gal_ent_doc's answer when the document had more mentions than its room */
#define GAL_ENT_FULL 0xFFFFFFFFu

/* tokens of a run whose shape and class are kept (gal_ent_ctx) */
#define GAL_ENT_RUN_CACHE 32u

/* One document's scan state.  The mention arrays have room for cap
 * mentions from index m0 on; one per token of the document is always
 * enough (a mention starts at its own token). */
typedef struct gal_ent_ctx {
    GAL_TEXT text;
    gal_u32 lo, hi; /* the document's bytes */
    GAL_GLOBAL const gal_u64 *thash;
    GAL_GLOBAL const gal_u32 *toff;
    GAL_GLOBAL gal_u64 *mhash;
    GAL_GLOBAL gal_u32 *mfirst; /* first and last token of each mention */
    GAL_GLOBAL gal_u32 *mlast;
    GAL_GLOBAL gal_u32 *mstart; /* surface byte range */
    GAL_GLOBAL gal_u32 *mend;
    GAL_GLOBAL gal_u32 *mflag;
    gal_u32 m0, n, cap;
    gal_u32 full; /* a mention found no room: the document must be redone */
    /* What is known of the first GAL_ENT_RUN_CACHE tokens of the current
     * run, from run_first on: a run's rules and its mentions read a token's
     * shape and class several times, and the scan already found most of
     * them.  Bit k of shape_known (cls_known) says that run_shape[k] and
     * run_end[k] (run_cls[k]) hold token run_first + k's. */
    gal_u32 run_first, shape_known, cls_known;
    gal_u32 run_shape[GAL_ENT_RUN_CACHE], run_end[GAL_ENT_RUN_CACHE];
    gal_u32 run_cls[GAL_ENT_RUN_CACHE];
} gal_ent_ctx;

/* Start the cache of a run at token t. */
GAL_FN void gal_ent_cache_start(gal_ent_ctx *c, gal_u32 t)
{
    c->run_first = t;
    c->shape_known = c->cls_known = 0u;
}

/* Keep token t's shape and end, or its classes, if t is among the run's
 * first GAL_ENT_RUN_CACHE tokens. */
GAL_FN void gal_ent_keep_shape(gal_ent_ctx *c, gal_u32 t, gal_u32 shape, gal_u32 end)
{
    gal_u32 k = t - c->run_first;
    if (k < GAL_ENT_RUN_CACHE) {
        c->run_shape[k] = shape;
        c->run_end[k] = end;
        c->shape_known |= 1u << k;
    }
}

GAL_FN void gal_ent_keep_class(gal_ent_ctx *c, gal_u32 t, gal_u32 cls)
{
    gal_u32 k = t - c->run_first;
    if (k < GAL_ENT_RUN_CACHE) {
        c->run_cls[k] = cls;
        c->cls_known |= 1u << k;
    }
}

/* Token t's shape and end (gal_ent_shape), through the run's cache. */
GAL_FN gal_u32 gal_ent_shape_of(gal_ent_ctx *c, gal_u32 t, gal_u32 *end)
{
    gal_u32 k = t - c->run_first;
    if (k >= GAL_ENT_RUN_CACHE)
        return gal_ent_shape(c->text, c->toff[t], c->hi, end);
    if (!((c->shape_known >> k) & 1u)) {
        c->run_shape[k] = gal_ent_shape(c->text, c->toff[t], c->hi, &c->run_end[k]);
        c->shape_known |= 1u << k;
    }
    *end = c->run_end[k];
    return c->run_shape[k];
}

/* Token t's classes (gal_ent_class), through the run's cache. */
GAL_FN gal_u32 gal_ent_class_of(gal_ent_ctx *c, gal_u32 t)
{
    gal_u32 k = t - c->run_first;
    if (k >= GAL_ENT_RUN_CACHE)
        return gal_ent_class(c->thash[t]);
    if (!((c->cls_known >> k) & 1u)) {
        c->run_cls[k] = gal_ent_class(c->thash[t]);
        c->cls_known |= 1u << k;
    }
    return c->run_cls[k];
}

GAL_FN int gal_ent_is_cap(const gal_ent_ctx *c, gal_u32 t)
{
    gal_u32 k = t - c->run_first;
    if (k < GAL_ENT_RUN_CACHE && ((c->shape_known >> k) & 1u))
        return (c->run_shape[k] & GAL_ENT_T_CAP) != 0u;
    return gal_ent_upper_at(c->text, c->toff[t], c->hi);
}

/* Is token t capitalised and of one of the classes in mask? */
GAL_FN int gal_ent_cap_is(gal_ent_ctx *c, gal_u32 t, gal_u32 mask)
{
    return (gal_ent_class_of(c, t) & mask) && gal_ent_is_cap(c, t);
}

/* Token t's bytes [c->toff[t], end), folded, into hs: one word of a key. */
GAL_FN void gal_ent_hash_word(const gal_ent_ctx *c, gal_hasher *hs, gal_u32 t, gal_u32 end)
{
    for (gal_u32 i = c->toff[t]; i < end;) {
        if (c->hi - i >= 8u) {
            /* up to eight ASCII bytes of the token at once: capitals get
             * their 0x20 bit, as below one by one */
            gal_u32 k = end - i < 8u ? end - i : 8u;
            gal_u64 w = gal_load8(c->text + i);
            if (k < 8u)
                w &= ((gal_u64)1 << (8u * k)) - 1u;
            if (!(w & GAL_BYTES_80)) {
                gal_hasher_bytes(hs, w | (gal_bytes_in(w, 'A', 'Z') >> 2), k);
                i += k;
                continue;
            }
        }
        gal_u32 byte = c->text[i];
        if (byte < 0x80u) { /* ASCII: folds and encodes to one byte */
            gal_hasher_byte(hs, byte - 'A' < 26u ? byte + 32u : byte);
            i++;
            continue;
        }
        gal_i32 cp;
        i += gal_utf8_decode(c->text, i, end, &cp);
        gal_hasher_cp(hs, gal_cp_fold(cp));
    }
}

/* Rule 5 and the record: tokens [a, b] of a run after rules 4. */
GAL_FN void gal_ent_emit(gal_ent_ctx *c, gal_u32 a, gal_u32 b, int initial)
{
    /* connectors never start or end a name */
    while (a <= b && !gal_ent_is_cap(c, a))
        a++;
    gal_u32 last_cls = 0; /* the class of token b, once it is found */
    for (;;) {
        if (b < a)
            return;
        if (gal_ent_is_cap(c, b)) {
            last_cls = gal_ent_class_of(c, b);
            if (!(last_cls & GAL_ENT_CONN))
                break;
        }
        if (b == 0)
            return;
        b--;
    }
    gal_u32 nw = b - a + 1u, flag = 0;
    gal_u32 a_end, a_shape = gal_ent_shape_of(c, a, &a_end);
    if (nw == 1u) {
        gal_u32 shape = a_shape;
        if ((shape & GAL_ENT_T_ONE) ||
            (last_cls & (GAL_ENT_DATE | GAL_ENT_DEMONYM | GAL_ENT_FUNC | GAL_ENT_HON |
                         GAL_ENT_ROLE | GAL_ENT_MOD | GAL_ENT_COMMON)))
            return;
        flag |= GAL_ENT_M_ONE;
        if (initial && !(shape & GAL_ENT_T_ACRO))
            flag |= GAL_ENT_M_TENTATIVE;
    } else if (last_cls & GAL_ENT_DEMONYM) {
        return;
    }
    /* the key, the person test and "roles only" */
    gal_hasher hs;
    gal_hasher_init(&hs, GAL_SEED_ENTITY);
    gal_u32 person = nw >= 2u && nw <= 3u && !(last_cls & GAL_ENT_ORG);
    gal_u32 titles_only = 1, letters_only = 1, first_end = 0;
    gal_u32 end = a_end;
    for (gal_u32 t = a; t <= b; t++) {
        gal_u32 cls = gal_ent_class_of(c, t);
        gal_u32 shape = gal_ent_shape_of(c, t, &end);
        letters_only &= (shape & GAL_ENT_T_ONE) != 0;
        first_end = t == a ? end : first_end;
        if (!(shape & GAL_ENT_T_CAP) || (shape & GAL_ENT_T_ACRO) ||
            (cls & (GAL_ENT_CONN | GAL_ENT_ROLE | GAL_ENT_MOD | GAL_ENT_DEMONYM | GAL_ENT_DATE)))
            person = 0;
        if (!(cls & (GAL_ENT_ROLE | GAL_ENT_LEAD | GAL_ENT_MOD | GAL_ENT_CONN | GAL_ENT_FUNC)))
            titles_only = 0;
        if (t > a)
            gal_hasher_byte(&hs, ' ');
        gal_ent_hash_word(c, &hs, t, end);
    }
    if (titles_only || (letters_only && c->text[first_end] != '.'))
        return;
    if (c->n == c->cap) {
        c->full = 1u;
        return;
    }
    gal_u32 m = c->m0 + c->n++;
    c->mhash[m] = gal_hasher_final(&hs);
    c->mfirst[m] = a;
    c->mlast[m] = b;
    c->mstart[m] = c->toff[a];
    c->mend[m] = end;
    c->mflag[m] = flag | (person ? GAL_ENT_M_PERSON : 0u);
}

/* Rule 4 on the run [a, b]; initial: its first token starts a sentence. */
GAL_FN void gal_ent_run(gal_ent_ctx *c, gal_u32 a, gal_u32 b, int initial)
{
    gal_u32 i = a;
    while (i <= b) { /* leading function words, honorifics, dates */
        gal_u32 end, shape = gal_ent_shape_of(c, i, &end);
        gal_u32 cls = gal_ent_class_of(c, i);
        if (!(shape & GAL_ENT_T_CAP) || ((shape & GAL_ENT_T_ONE) && c->text[end] == '.'))
            break; /* A.H. Belo */
        if (!(cls & (GAL_ENT_FUNC | GAL_ENT_HON)) && !((cls & GAL_ENT_DATE) && i < b))
            break;
        i++;
    }
    if (i > b)
        return;
    if (i > a)
        initial = 0;
    /* the last role word with a name after it splits the run */
    for (gal_u32 r = b; r-- > i;) {
        if (!gal_ent_cap_is(c, r, GAL_ENT_ROLE | GAL_ENT_LEAD))
            continue;
        gal_u32 n = r + 1u;
        while (n <= b && gal_ent_cap_is(c, n, GAL_ENT_ROLE | GAL_ENT_MOD))
            n++;
        if (n < b && !gal_ent_is_cap(c, n) && (gal_ent_class_of(c, n) & GAL_ENT_CONN) &&
            gal_ent_cap_is(c, n + 1u, GAL_ENT_MOD)) {
            n++;
            while (n <= b && gal_ent_cap_is(c, n, GAL_ENT_ROLE | GAL_ENT_MOD))
                n++;
        }
        if (n > b || (gal_ent_class_of(c, b) & GAL_ENT_ORG))
            break; /* no name after it, or an organisation: no split */
        gal_u32 p = r;
        while (p > i && gal_ent_cap_is(c, p - 1u, GAL_ENT_ROLE | GAL_ENT_MOD))
            p--;
        if (p > i)
            gal_ent_emit(c, i, p - 1u, initial);
        gal_ent_emit(c, n, b, 0);
        return;
    }
    /* trailing roles and their modifiers, and trailing days and months
     * (a dateline's "Texas Rangers Friday", a dividend's "Pay April") */
    gal_u32 e = b;
    while (e > i && gal_ent_cap_is(c, e, GAL_ENT_ROLE)) {
        e--;
        while (e > i && gal_ent_cap_is(c, e, GAL_ENT_MOD))
            e--;
    }
    while (e > i && gal_ent_cap_is(c, e, GAL_ENT_DATE))
        e--;
    gal_ent_emit(c, i, e, initial);
}

/* A 256-bit filter of word hashes (bit h >> 56): a clear bit says that h
 * was never added, so the scan that would look for it may be skipped. */
GAL_FN void gal_ent_bits_add(gal_u64 *bits, gal_u64 h)
{
    bits[h >> 62] |= (gal_u64)1u << ((h >> 56) & 63u);
}

GAL_FN int gal_ent_bits_may_have(const gal_u64 *bits, gal_u64 h)
{
    return (bits[h >> 62] >> ((h >> 56) & 63u)) & 1u;
}

/* Rules 6 and 7 over the document's mentions, then drop the rejected ones;
 * returns how many remain at [m0, m0 + count).  Both rules look a word up
 * in the mentions before or around it, which is quadratic in a long
 * document's hundreds of mentions; a filter of the words they can find
 * answers most lookups "no" without the scan. */
GAL_FN gal_u32 gal_ent_finish(gal_ent_ctx *c)
{
    gal_u32 m0 = c->m0, m1 = c->m0 + c->n;
    /* rule 6 finds the words of mentions that are not tentative (emit
     * never marks one M_DROP, and this loop marks tentative ones only) */
    gal_u64 words[4] = {0u, 0u, 0u, 0u};
    for (gal_u32 k = m0; k < m1; k++)
        if (!(c->mflag[k] & GAL_ENT_M_TENTATIVE))
            for (gal_u32 t = c->mfirst[k]; t <= c->mlast[k]; t++)
                gal_ent_bits_add(words, c->thash[t]);
    for (gal_u32 m = m0; m < m1; m++) {
        if (!(c->mflag[m] & GAL_ENT_M_TENTATIVE))
            continue;
        gal_u64 h = c->thash[c->mfirst[m]];
        if (!gal_ent_bits_may_have(words, h)) {
            c->mflag[m] |= GAL_ENT_M_DROP;
            continue;
        }
        gal_u32 seen = 0, k0 = m - m0 > GAL_ENT_LINK_SPAN ? m - GAL_ENT_LINK_SPAN : m0;
        gal_u32 k1 = m1 - m > GAL_ENT_LINK_SPAN ? m + GAL_ENT_LINK_SPAN + 1u : m1;
        for (gal_u32 k = k0; k < k1 && !seen; k++) {
            if (c->mflag[k] & (GAL_ENT_M_TENTATIVE | GAL_ENT_M_DROP))
                continue;
            for (gal_u32 t = c->mfirst[k]; t <= c->mlast[k] && !seen; t++)
                seen = c->thash[t] == h;
        }
        if (!seen)
            c->mflag[m] |= GAL_ENT_M_DROP;
    }
    /* rule 7 finds the last words of the person-like mentions kept so far */
    gal_u64 last_words[4] = {0u, 0u, 0u, 0u};
    gal_u32 out = m0;
    for (gal_u32 m = m0; m < m1; m++) {
        if (c->mflag[m] & GAL_ENT_M_DROP)
            continue;
        if ((c->mflag[m] & GAL_ENT_M_ONE) &&
            gal_ent_bits_may_have(last_words, c->thash[c->mfirst[m]])) {
            gal_u64 h = c->thash[c->mfirst[m]];
            gal_u32 k0 = out - m0 > GAL_ENT_LINK_SPAN ? out - GAL_ENT_LINK_SPAN : m0;
            for (gal_u32 k = out; k-- > k0;) /* kept mentions before m */
                if ((c->mflag[k] & GAL_ENT_M_PERSON) && c->thash[c->mlast[k]] == h) {
                    c->mhash[m] = c->mhash[k];
                    break;
                }
        }
        c->mhash[out] = c->mhash[m];
        c->mfirst[out] = c->mfirst[m];
        c->mlast[out] = c->mlast[m];
        c->mstart[out] = c->mstart[m];
        c->mend[out] = c->mend[m];
        c->mflag[out] = c->mflag[m];
        if (c->mflag[m] & GAL_ENT_M_PERSON)
            gal_ent_bits_add(last_words, c->thash[c->mlast[m]]);
        out++;
    }
    return out - m0;
}

/* Rule 8: where the document's first field ends when it is a title in
 * title case, else t0 (a title that shouts is left to rule 3). */
GAL_FN gal_u32 gal_ent_title_case_end(const gal_ent_ctx *c, GAL_GLOBAL const gal_u32 *tpos,
                                      gal_u32 t0, gal_u32 t1)
{
    gal_u32 caps = 0, t = t0;
    for (; t < t1 && (t == t0 || tpos[t] == tpos[t - 1u] + 1u); t++) {
        gal_u32 off = c->toff[t], b = c->text[off];
        if (gal_ent_upper_at(c->text, off, c->hi))
            caps++;
        else if ((b - 'a' < 26u || b >= 0x80u) &&
                 (c->thash[t] == GAL_HASH_NONE ||
                  !(gal_ent_class(c->thash[t]) & (GAL_ENT_FUNC | GAL_ENT_CONN | GAL_ENT_AND))))
            return t0; /* a lower-case word of content: the capitals mean something */
    }
    if (t == t1 || caps < GAL_ENT_TITLE_CAPS || gal_ent_shouts(c->text, c->toff[t0], c->toff[t]))
        return t0;
    return t;
}

GAL_FN void gal_ent_swap_u32(GAL_GLOBAL gal_u32 *v, gal_u32 x, gal_u32 y)
{
    gal_u32 t = v[x];
    v[x] = v[y];
    v[y] = t;
}

/* Swap mentions x and y of the document's arrays. */
GAL_FN void gal_ent_swap(gal_ent_ctx *c, gal_u32 x, gal_u32 y)
{
    gal_u64 h = c->mhash[x];
    c->mhash[x] = c->mhash[y];
    c->mhash[y] = h;
    gal_ent_swap_u32(c->mfirst, x, y);
    gal_ent_swap_u32(c->mlast, x, y);
    gal_ent_swap_u32(c->mstart, x, y);
    gal_ent_swap_u32(c->mend, x, y);
    gal_ent_swap_u32(c->mflag, x, y);
}

/* Reverse the order of mentions [lo, hi). */
GAL_FN void gal_ent_reverse(gal_ent_ctx *c, gal_u32 lo, gal_u32 hi)
{
    for (; lo + 1u < hi; lo++, hi--)
        gal_ent_swap(c, lo, hi - 1u);
}

/* Rule 8 over the title [t0, tb) in title case, once the rest of the
 * document has given its mentions; the title's go before them, so that
 * all stay in token order. */
GAL_FN void gal_ent_title_names(gal_ent_ctx *c, gal_u32 t0, gal_u32 tb)
{
    gal_u32 m0 = c->m0, m1 = c->m0 + c->n;
    /* filters of the keys a stretch may match and of the last words of
     * person-like mentions */
    gal_u64 keys[4] = {0u, 0u, 0u, 0u}, last_words[4] = {0u, 0u, 0u, 0u};
    for (gal_u32 k = m0; k < m1; k++) {
        if (c->mflag[k] & GAL_ENT_M_TENTATIVE)
            continue;
        gal_ent_bits_add(keys, c->mhash[k]);
        if (c->mflag[k] & GAL_ENT_M_PERSON)
            gal_ent_bits_add(last_words, c->thash[c->mlast[k]]);
    }
    if (m1 == m0)
        return;
    gal_ent_cache_start(c, t0);
    for (gal_u32 i = t0; i < tb;) {
        if (c->thash[i] == GAL_HASH_NONE || !gal_ent_is_cap(c, i)) {
            i++;
            continue;
        }
        gal_u32 len = 0, like = 0, like_end = 0, end;
        gal_hasher hs;
        gal_hasher_init(&hs, GAL_SEED_ENTITY);
        for (gal_u32 j = i; j < tb && j - i < GAL_ENT_TITLE_SPAN; j++) {
            gal_ent_shape_of(c, j, &end);
            if (j > i)
                gal_hasher_byte(&hs, ' ');
            gal_ent_hash_word(c, &hs, j, end);
            gal_u64 key = gal_hasher_final(&hs);
            if (!gal_ent_bits_may_have(keys, key))
                continue;
            for (gal_u32 k = m0; k < m1; k++)
                if (!(c->mflag[k] & GAL_ENT_M_TENTATIVE) && c->mhash[k] == key) {
                    len = j - i + 1u;
                    like = k;
                    like_end = end;
                    break;
                }
        }
        if (!len && gal_ent_bits_may_have(last_words, c->thash[i])) {
            for (gal_u32 k = m0; k < m1 && !len; k++)
                if ((c->mflag[k] & GAL_ENT_M_PERSON) && c->thash[c->mlast[k]] == c->thash[i]) {
                    len = 1u;
                    like = k;
                    gal_ent_shape_of(c, i, &like_end);
                }
        }
        if (!len) {
            i++;
            continue;
        }
        if (c->n == c->cap) {
            c->full = 1u;
            return;
        }
        gal_u32 m = c->m0 + c->n++;
        c->mhash[m] = c->mhash[like];
        c->mfirst[m] = i;
        c->mlast[m] = i + len - 1u;
        c->mstart[m] = c->toff[i];
        c->mend[m] = like_end;
        /* a word taking a person's key is not itself person-like */
        c->mflag[m] = len == 1u ? GAL_ENT_M_ONE : c->mflag[like];
        i += len;
    }
    gal_ent_reverse(c, m0, m1);
    gal_ent_reverse(c, m1, c->m0 + c->n);
    gal_ent_reverse(c, m0, c->m0 + c->n);
}

/*
 * All rules over one document: bytes [lo, hi) of text, tokens [t0, t1) of
 * the batch's token arrays (hash, pos, offset as gal_tokens has them).
 * Mentions go to the arrays in c from c->m0 on, room for c->cap of them;
 * returns their number, or GAL_ENT_FULL when they did not fit (the rules
 * after detection need them all, so then nothing of it is usable; t1 - t0
 * is always room enough).  c->text, lo, hi, thash, toff and the mention
 * arrays must be set; the rest is set here.
 */
GAL_FN gal_u32 gal_ent_doc(gal_ent_ctx *c, GAL_GLOBAL const gal_u32 *tpos, gal_u32 t0, gal_u32 t1)
{
    c->n = 0;
    c->full = 0u;
    /* a title in title case is read after the rest (rule 8) */
    gal_u32 tb = gal_ent_title_case_end(c, tpos, t0, t1);
    gal_ent_cache_start(c, tb);
    gal_u32 line_lo = c->lo, line_hi = c->lo; /* the current line, [line_lo, line_hi) */
    int shout = 0;
    gal_u32 a = 0, in_run = 0, initial = 0, lowers = 0, and_at = 0;
    /* The previous token: where it starts and ends, its shape and class.
     * Most tokens are lower-case words outside any run, and of those the
     * rules read nothing but where they end, and that only when the next
     * token is capitalised or continues a run.  So a token's shape and end
     * are found when it is capitalised, otherwise its end only when the
     * next token asks (prev_end_known); its shape stays 0, which reads the
     * same, as nothing tests another flag of a token that is not
     * capitalised. */
    gal_u32 prev_off = 0, prev_end = 0, prev_end_known = 0, prev_shape = 0, prev_cls = 0;
    for (gal_u32 t = tb; t < t1; t++) {
        /* Outside a run, a token that starts with a lower-case ASCII letter
         * or a digit on the line already looked at changes nothing below
         * but the previous token's place, its end unknown and its shape
         * and class 0; most tokens are such, so a stretch of them is
         * stepped over at once. */
        if (!in_run && t > tb) {
            gal_u32 s = t;
            for (; s < t1; s++) {
                gal_u32 o = c->toff[s], b = c->text[o];
                if (o >= line_hi || (b - 'a' >= 26u && b - '0' >= 10u))
                    break;
            }
            if (s > t) {
                prev_off = prev_end = c->toff[s - 1u];
                prev_end_known = prev_shape = prev_cls = 0;
                t = s;
                if (t == t1)
                    break;
            }
        }
        gal_u32 off = c->toff[t], end = off, shape = 0;
        /* A token holds no line break, so line_lo is still the start of
         * the previous token's line: where the gap's short-line test would
         * scan back to. */
        gal_u32 prev_line_lo = line_lo;
        if (off >= line_hi || t == tb) {
            line_lo = off;
            while (line_lo > c->lo && c->text[line_lo - 1u] != '\n')
                line_lo--;
            line_hi = gal_ent_line_end(c->text, off, c->hi);
            shout = gal_ent_shouts(c->text, line_lo, line_hi);
        }
        /* On a line that shouts no token is capitalised, none joins a run
         * and so none is read again: their shapes stay 0 (an all-caps
         * headline is a fifth of a wire story's capitals). */
        if (!shout && gal_ent_upper_at(c->text, off, c->hi))
            shape = gal_ent_shape(c->text, off, c->hi, &end);
        int fresh = t == tb || tpos[t] != tpos[t - 1u] + 1u; /* first of its field */
        int cap = (shape & GAL_ENT_T_CAP) && !shout && c->thash[t] != GAL_HASH_NONE &&
                  !gal_ent_address(c->text, off, end, c->lo, c->hi, shape);
        /* The gap is read only to join a run or to start one; otherwise
         * it may stay G_END. */
        gal_u32 gap = GAL_ENT_G_END;
        if (!fresh && (cap || (in_run && !shout))) {
            if (!prev_end_known) { /* only its end is read here */
                gal_u32 prev_full = gal_ent_shape(c->text, prev_off, c->hi, &prev_end);
                if (in_run) /* a connector of the run: its rules read the rest */
                    gal_ent_keep_shape(c, t - 1u, prev_full, prev_end);
            }
            gap = gal_ent_gap(c->text, prev_end, off, prev_line_lo);
        }
        /* The class lookup is needed only by a capitalised token (its own
         * joining, and the abbreviation test of the next one, which is
         * reached only while a run goes on) and by a lower-case token that
         * may join a run as a connector; most tokens are neither.  So cls
         * stays 0 unless one of those reads it. */
        gal_u32 cls = cap ? gal_ent_class(c->thash[t]) : 0u, cls_found = (gal_u32)cap;
        int joins = 0;
        if (in_run && !fresh && !shout) {
            int prev_cap = (prev_shape & GAL_ENT_T_CAP) != 0;
            if (cap) {
                int abbr = prev_cap && ((prev_cls & (GAL_ENT_HON | GAL_ENT_ABBR)) ||
                                        (prev_shape & GAL_ENT_T_ONE));
                joins = !(cls & GAL_ENT_FUNC) &&
                        ((gap & GAL_ENT_G_BLANK) || ((gap & GAL_ENT_G_DOT) && abbr) ||
                         (prev_cap && (gap & (GAL_ENT_G_HYPH | GAL_ENT_G_AMP))) ||
                         (prev_cap && (prev_shape & GAL_ENT_T_ONE) && (gap & GAL_ENT_G_APOS)));
            } else if ((gap & GAL_ENT_G_BLANK) && lowers < 2u && c->thash[t] != GAL_HASH_NONE) {
                cls = gal_ent_class(c->thash[t]);
                cls_found = 1u;
                joins = (cls & (GAL_ENT_CONN | GAL_ENT_AND)) != 0;
                and_at = (cls & GAL_ENT_AND) ? t : and_at;
            }
        }
        if (joins && cap && lowers && and_at + lowers >= t && !(cls & GAL_ENT_ORG)) {
            joins = 0; /* "Britain and France": two names */
            gap &= ~(gal_u32)GAL_ENT_G_END;
        }
        if (in_run && !joins) {
            gal_ent_run(c, a, t - 1u, (int)initial);
            in_run = 0;
        }
        if (joins) {
            if (cap)
                lowers = and_at = 0;
            else
                lowers++;
        } else if (cap) {
            in_run = 1;
            a = t;
            lowers = 0;
            initial = (gap & GAL_ENT_G_END) != 0;
            gal_ent_cache_start(c, t);
        }
        /* what the run's rules will read again (a shape is found when the
         * token is upper-case; else left to them) */
        if (in_run && shape)
            gal_ent_keep_shape(c, t, shape, end);
        if (in_run && cls_found)
            gal_ent_keep_class(c, t, cls);
        prev_off = off;
        prev_end = end;
        prev_end_known = shape != 0;
        prev_shape = shape;
        prev_cls = cls;
    }
    if (in_run)
        gal_ent_run(c, a, t1 - 1u, (int)initial);
    if (tb > t0 && !c->full)
        gal_ent_title_names(c, t0, tb);
    return c->full ? GAL_ENT_FULL : gal_ent_finish(c);
}

#endif /* GAL_ENTITY_RULES_H */
