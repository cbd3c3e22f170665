package org.patronijdbc.conformance;

import static org.patronijdbc.conformance.StatementConformanceIT.ITEMS;
import static org.patronijdbc.conformance.Values.all;
import static org.patronijdbc.conformance.Values.attempt;
import static org.patronijdbc.conformance.Values.facts;
import static org.patronijdbc.conformance.Values.query;

import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.PGResultSetMetaData;
import org.postgresql.PGStatement;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

/**
 * pgjdbc's own API reached through {@code unwrap}: {@link PGConnection}, COPY, large objects,
 * notifications, {@link PGStatement} and {@link PGResultSetMetaData}.
 */
@PatroniTest
class PgExtensionsConformanceIT {

  private static Conformance conformance;

  @BeforeAll
  static void start(PatroniCluster cluster) {
    conformance = new Conformance(cluster, PgExtensionsConformanceIT.class);
  }

  @AfterAll
  static void finish() {
    conformance.close();
  }

  private static PGConnection pg(Connection con) throws Exception {
    return con.unwrap(PGConnection.class);
  }

  @TestFactory
  Stream<DynamicTest> unwrapping() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "isWrapperFor and unwrap",
            con ->
                facts(
                    "PGConnection", con.isWrapperFor(PGConnection.class),
                    "Connection", con.isWrapperFor(Connection.class),
                    "String", con.isWrapperFor(String.class),
                    "unwrapPG", pg(con) != null,
                    "unwrapString", attempt(() -> con.unwrap(String.class)))),
        c.check(
            "PGConnection's facts about the session",
            con -> {
              PGConnection pg = pg(con);
              return facts(
                  "pid", pg.getBackendPID() > 0,
                  "pidIsServers", query(con, "SELECT pg_backend_pid() = " + pg.getBackendPID()),
                  "serverVersion", pg.getParameterStatus("server_version"),
                  "encoding", pg.getParameterStatus("client_encoding"),
                  "statusKeys", new TreeSet<>(pg.getParameterStatuses().keySet()),
                  "queryMode", pg.getPreferQueryMode(),
                  "autosave", pg.getAutosave(),
                  "prepareThreshold", pg.getPrepareThreshold(),
                  "fetchSize", pg.getDefaultFetchSize(),
                  "adaptiveFetch", pg.getAdaptiveFetch(),
                  "identifier", pg.escapeIdentifier("We \"quote\""),
                  "literal", pg.escapeLiteral("it's"));
            }),
        c.check(
            "PGConnection.createArrayOf takes a primitive array",
            con -> {
              try (PreparedStatement ps = con.prepareStatement("SELECT ?::int[] AS a")) {
                ps.setArray(1, pg(con).createArrayOf("int4", new int[] {5, 6, 7}));
                return Values.rows(ps.executeQuery());
              }
            }),
        c.check(
            "PGStatement: server-side prepare after the threshold",
            con -> {
              List<Object> seen = new ArrayList<>();
              try (PreparedStatement ps = con.prepareStatement("SELECT ?::int")) {
                PGStatement pgs = ps.unwrap(PGStatement.class);
                pgs.setPrepareThreshold(2);
                for (int i = 0; i < 3; i++) {
                  ps.setInt(1, i);
                  ps.executeQuery().close();
                  seen.add(pgs.isUseServerPrepare());
                }
                return all(seen, pgs.getPrepareThreshold());
              }
            }),
        c.check(
            "PGResultSetMetaData names base columns",
            ITEMS,
            con -> {
              try (Statement s = con.createStatement();
                  ResultSet rs = s.executeQuery("SELECT name AS label, qty FROM items")) {
                PGResultSetMetaData md = rs.getMetaData().unwrap(PGResultSetMetaData.class);
                return all(
                    md.getBaseColumnName(1),
                    md.getBaseTableName(1),
                    md.getBaseSchemaName(2),
                    md.getFormat(1));
              }
            }),
        c.check(
            "PGConnection.cancelQuery ends a running statement with 57014",
            con -> {
              PGConnection pg = pg(con);
              CompletableFuture<Void> canceller =
                  CompletableFuture.runAsync(
                      () -> {
                        try {
                          Thread.sleep(500);
                          pg.cancelQuery();
                        } catch (Exception e) {
                          throw new IllegalStateException(e);
                        }
                      });
              Object outcome = attempt(() -> query(con, "SELECT pg_sleep(10)::text"));
              canceller.get(10, TimeUnit.SECONDS);
              return all(outcome, query(con, "SELECT 'usable'"));
            }));
  }

  @TestFactory
  Stream<DynamicTest> copy() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "CopyManager copyIn loads rows and copyOut writes them back",
            ITEMS,
            con -> {
              CopyManager copy = pg(con).getCopyAPI();
              long in =
                  copy.copyIn(
                      "COPY items (name, qty) FROM STDIN (FORMAT csv)",
                      new StringReader("fig,1\nkiwi,2\n\"lime, green\",3\n"));
              StringWriter out = new StringWriter();
              long written =
                  copy.copyOut(
                      "COPY (SELECT name, qty FROM items ORDER BY id) TO STDOUT"
                          + " (FORMAT csv, HEADER)",
                      out);
              return all(in, written, out.toString());
            }),
        c.check(
            "copyOut of a table in text format",
            ITEMS,
            con -> {
              StringWriter out = new StringWriter();
              long n = pg(con).getCopyAPI().copyOut("COPY items TO STDOUT", out);
              return all(n, out.toString());
            }),
        c.check(
            "copyIn of bad data fails with 22P02 and leaves the connection usable",
            ITEMS,
            con -> {
              CopyManager copy = pg(con).getCopyAPI();
              Object outcome =
                  attempt(
                      () ->
                          copy.copyIn(
                              "COPY items (name, qty) FROM STDIN (FORMAT csv)",
                              new StringReader("fig,1\nkiwi,not-a-number\n")));
              return all(outcome, query(con, "SELECT count(*) FROM items"));
            }),
        c.check(
            "the CopyIn API writes in pieces",
            ITEMS,
            con -> {
              CopyIn in = pg(con).getCopyAPI().copyIn("COPY items (name, qty) FROM STDIN");
              byte[] rows = "fig\t1\nki".getBytes(StandardCharsets.UTF_8);
              in.writeToCopy(rows, 0, rows.length);
              byte[] rest = "wi\t2\n".getBytes(StandardCharsets.UTF_8);
              in.writeToCopy(rest, 0, rest.length);
              long n = in.endCopy();
              return all(n, in.isActive(), query(con, "SELECT name, qty FROM items ORDER BY id"));
            }));
  }

  @TestFactory
  Stream<DynamicTest> largeObjectsAndNotifications() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "LargeObjectManager: create, write, read back and unlink in a transaction",
            con -> {
              con.setAutoCommit(false);
              LargeObjectManager lom = pg(con).getLargeObjectAPI();
              long oid = lom.createLO(LargeObjectManager.READWRITE);
              byte[] data = new byte[100_000];
              for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 31);
              }
              LargeObject lo = lom.open(oid, LargeObjectManager.READWRITE);
              lo.write(data);
              lo.seek(0);
              byte[] head = lo.read(16);
              lo.seek(99_990);
              byte[] tail = lo.read(100);
              int size = lo.size();
              lo.close();
              con.commit();
              LargeObject again = lom.open(oid, LargeObjectManager.READ);
              byte[] all = again.read(data.length);
              again.close();
              lom.unlink(oid);
              con.commit();
              return all(head, tail, size, Arrays.equals(all, data));
            }),
        c.check(
            "large objects in autocommit mode are refused",
            con -> {
              LargeObjectManager lom = pg(con).getLargeObjectAPI();
              return lom.createLO();
            }),
        c.check(
            "LISTEN and NOTIFY through PGConnection.getNotifications",
            con -> {
              try (Statement s = con.createStatement()) {
                s.execute("LISTEN conformance_channel");
                s.execute("NOTIFY conformance_channel, 'first'");
                s.execute("SELECT pg_notify('conformance_channel', 'second')");
              }
              PGConnection pg = pg(con);
              List<Object> seen = new ArrayList<>();
              for (PGNotification n : pg.getNotifications(2000)) {
                seen.add(all(n.getName(), n.getParameter(), n.getPID() == pg.getBackendPID()));
              }
              return all(seen, pg.getNotifications(10));
            }));
  }
}
