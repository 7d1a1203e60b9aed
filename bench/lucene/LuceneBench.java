// LuceneBench.java — Lucene's part of bench/compare.py: the same documents
// and queries as the other tools, timed inside one JVM.
//
//   java -Xmx8g -cp LUCENE_JAR:CLASSES LuceneBench CORPUS.jsonl INDEX_DIR QUERIES.txt \
//        WARMUP RUNS THREADS RAM_MB > figures.json
//
// It reads every line of CORPUS (a JSON object; "title" and "text") into
// memory first, as compare.py's Python does for FTS5, tantivy and Xapian, so
// that the build time it reports is documents in memory -> committed index;
// the parsing is timed apart.  Both fields are TextField (positions, stored),
// split wherever a character is neither a letter nor a digit and lower-cased:
// every word indexed, no stop words, no stemming.  That is the split of
// tantivy's default tokenizer, and near galley's, so that match counts can be
// set side by side (Lucene's StandardTokenizer keeps "Reagan's" and "1,000"
// whole, and found 14 % fewer documents for "reagan" on a gen_news corpus).  THREADS threads add documents to one IndexWriter
// (its RAM buffer RAM_MB), then it commits and closes, which waits for merges.
//
// A query of the set is the clauses compare.py reads (a "quoted phrase" or a
// bare word), all required; a clause matches in the title or in the body, as
// a phrase of the terms Lucene's own analyser makes of it (so 5.93 is one
// term, as Lucene indexed it).  Per query: the top 10 by BM25 and the exact
// number of matches, from one collector that counts every hit.
//
// Prints one JSON object: version, threads, parse_sec, index_only_sec, and per
// query (in file order) its match count and each measured pass's milliseconds.

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.util.CharTokenizer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopScoreDocCollector;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Version;

public final class LuceneBench {
    private static final String[] FIELDS = {"title", "body"};
    // the clauses of a query line, as compare.py's parse_query splits it
    private static final Pattern CLAUSE = Pattern.compile("\"([^\"]*)\"|(\\S+)");

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("usage: LuceneBench CORPUS INDEX_DIR QUERIES WARMUP RUNS THREADS RAM_MB");
            System.exit(2);
        }
        String corpus = args[0], indexDir = args[1], queriesFile = args[2];
        int warmup = Integer.parseInt(args[3]), runs = Integer.parseInt(args[4]);
        int threads = Integer.parseInt(args[5]), ramMb = Integer.parseInt(args[6]);
        Analyzer analyzer = new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String field) {
                Tokenizer words = CharTokenizer.fromTokenCharPredicate(Character::isLetterOrDigit);
                return new TokenStreamComponents(words, new LowerCaseFilter(words));
            }
        };

        long t0 = System.nanoTime();
        List<String[]> docs = readCorpus(corpus);
        double parseSec = (System.nanoTime() - t0) / 1e9;

        t0 = System.nanoTime();
        buildIndex(docs, indexDir, analyzer, threads, ramMb);
        double indexSec = (System.nanoTime() - t0) / 1e9;
        docs = null; // the searches below should not share the heap with the corpus

        List<String> queries = readQueries(queriesFile);
        StringBuilder out = new StringBuilder();
        out.append("{\"version\": \"").append(Version.LATEST).append("\", \"threads\": ").append(threads)
           .append(", \"parse_sec\": ").append(parseSec).append(", \"index_only_sec\": ").append(indexSec)
           .append(", \"queries\": [");
        try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(Paths.get(indexDir)))) {
            IndexSearcher searcher = new IndexSearcher(reader);
            List<Query> parsed = new ArrayList<>();
            for (String q : queries)
                parsed.add(toQuery(q, analyzer));
            long[] counts = new long[queries.size()];
            double[][] ms = new double[queries.size()][runs];
            for (int pass = 0; pass < warmup + runs; pass++) {
                for (int i = 0; i < parsed.size(); i++) {
                    long s = System.nanoTime();
                    counts[i] = countAndTop10(searcher, parsed.get(i));
                    if (pass >= warmup)
                        ms[i][pass - warmup] = (System.nanoTime() - s) / 1e6;
                }
            }
            for (int i = 0; i < queries.size(); i++) {
                out.append(i > 0 ? ", " : "").append("{\"count\": ").append(counts[i]).append(", \"ms\": [");
                for (int r = 0; r < runs; r++)
                    out.append(r > 0 ? ", " : "").append(ms[i][r]);
                out.append("]}");
            }
        }
        out.append("]}");
        System.out.println(out);
    }

    // Every non-blank line's title and text; a line that is not a JSON
    // object is an error naming its line, as the corpus is compare.py's own.
    private static List<String[]> readCorpus(String path) throws IOException {
        JsonFactory json = new JsonFactory();
        List<String[]> docs = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(Paths.get(path), StandardCharsets.UTF_8)) {
            String line;
            long lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank())
                    continue;
                String title = "", text = "";
                try (JsonParser p = json.createParser(line)) {
                    if (p.nextToken() != JsonToken.START_OBJECT)
                        throw new IOException(path + ":" + lineNo + ": not a JSON object");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.getCurrentName();
                        JsonToken value = p.nextToken();
                        if (value == JsonToken.VALUE_STRING && name.equals("title"))
                            title = p.getText();
                        else if (value == JsonToken.VALUE_STRING && name.equals("text"))
                            text = p.getText();
                        else
                            p.skipChildren();
                    }
                }
                docs.add(new String[] {title, text});
            }
        }
        return docs;
    }

    private static void buildIndex(List<String[]> docs, String dir, Analyzer analyzer, int threads, int ramMb)
        throws Exception {
        IndexWriterConfig config = new IndexWriterConfig(analyzer);
        config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        config.setRAMBufferSizeMB(ramMb);
        try (IndexWriter writer = new IndexWriter(FSDirectory.open(Paths.get(dir)), config)) {
            AtomicInteger next = new AtomicInteger();
            Thread[] pool = new Thread[threads];
            Exception[] failed = new Exception[1];
            for (int t = 0; t < threads; t++) {
                pool[t] = new Thread(() -> {
                    try {
                        for (int i; (i = next.getAndIncrement()) < docs.size();) {
                            Document d = new Document();
                            d.add(new Field("title", docs.get(i)[0], TextField.TYPE_STORED));
                            d.add(new Field("body", docs.get(i)[1], TextField.TYPE_STORED));
                            writer.addDocument(d);
                        }
                    } catch (Exception e) {
                        synchronized (failed) {
                            failed[0] = e;
                        }
                    }
                });
                pool[t].start();
            }
            for (Thread t : pool)
                t.join();
            if (failed[0] != null)
                throw failed[0];
            writer.commit();
        } // close waits for the merges it started
    }

    private static List<String> readQueries(String path) throws IOException {
        List<String> queries = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8))
            if (!line.isBlank())
                queries.add(line);
        return queries;
    }

    // All clauses required; each in the title or the body.
    private static Query toQuery(String line, Analyzer analyzer) throws IOException {
        BooleanQuery.Builder all = new BooleanQuery.Builder();
        Matcher m = CLAUSE.matcher(line);
        while (m.find()) {
            String clause = m.group(1) != null ? m.group(1) : m.group(2);
            List<String> terms = analyze(analyzer, clause);
            if (terms.isEmpty())
                continue;
            BooleanQuery.Builder either = new BooleanQuery.Builder();
            for (String field : FIELDS)
                either.add(phrase(field, terms), Occur.SHOULD);
            all.add(either.build(), Occur.MUST);
        }
        return all.build();
    }

    private static Query phrase(String field, List<String> terms) {
        if (terms.size() == 1)
            return new TermQuery(new Term(field, terms.get(0)));
        PhraseQuery.Builder p = new PhraseQuery.Builder();
        for (String t : terms)
            p.add(new Term(field, t));
        return p.build();
    }

    private static List<String> analyze(Analyzer analyzer, String text) throws IOException {
        List<String> terms = new ArrayList<>();
        try (TokenStream ts = analyzer.tokenStream("body", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken())
                terms.add(term.toString());
            ts.end();
        }
        return terms;
    }

    // The ten best and an exact count: a collector told to count every hit
    // (no early stop), as galley, FTS5 and Xapian count here.
    private static long countAndTop10(IndexSearcher searcher, Query q) throws IOException {
        TopScoreDocCollector top = TopScoreDocCollector.create(10, Integer.MAX_VALUE);
        searcher.search(q, top);
        return top.topDocs().totalHits.value;
    }
}
