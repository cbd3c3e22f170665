package org.patronijdbc.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.patronijdbc.conformance.Values.all;
import static org.patronijdbc.conformance.Values.attempt;
import static org.patronijdbc.conformance.Values.done;
import static org.patronijdbc.conformance.Values.facts;
import static org.patronijdbc.conformance.Values.query;
import static org.patronijdbc.conformance.Values.rows;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * {@link Connection}'s session state: client info, warnings, type maps, schema and catalog, and the
 * statements it makes, which must name it as their connection.
 */
@PatroniTest
class ConnectionSessionConformanceIT {

  private static final String NOISY =
      """
      CREATE FUNCTION conf_noisy(n int) RETURNS int AS $$
      BEGIN
        RAISE NOTICE 'counting to %', n;
        RAISE WARNING 'that is % too many', n;
        RETURN n;
      END $$ LANGUAGE plpgsql;
      """;

  private static Conformance conformance;

  @BeforeAll
  static void start(PatroniCluster cluster) {
    conformance = new Conformance(cluster, ConnectionSessionConformanceIT.class);
  }

  @AfterAll
  static void finish() {
    conformance.close();
  }

  @TestFactory
  Stream<DynamicTest> sessionState() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "client info: the default ApplicationName, then a new one",
            con -> {
              Object before = all(con.getClientInfo("ApplicationName"), con.getClientInfo());
              con.setClientInfo("ApplicationName", "conformance-app");
              return all(
                  before,
                  con.getClientInfo("ApplicationName"),
                  query(con, "SHOW application_name"),
                  con.getClientInfo(),
                  con.getWarnings());
            }),
        c.check(
            "client info as Properties, and a name pgjdbc does not know",
            con -> {
              Properties p = new Properties();
              p.setProperty("ApplicationName", "from-properties");
              con.setClientInfo(p);
              Object set = query(con, "SHOW application_name");
              Object unknown = attempt(() -> done(() -> con.setClientInfo("NoSuchName", "x")));
              return all(set, unknown, con.getClientInfo("NoSuchName"), con.getWarnings());
            }),
        c.check(
            "the type map starts empty and keeps what is set",
            con -> {
              Object initial = con.getTypeMap();
              con.setTypeMap(Map.of("conformance.thing", String.class));
              return all(initial, con.getTypeMap());
            }),
        c.check(
            "getObject with a non-empty type map",
            con -> {
              try (Statement s = con.createStatement();
                  var rs = s.executeQuery("SELECT 1, 'x'")) {
                rs.next();
                return all(
                    attempt(() -> rs.getObject(1, Map.of())),
                    attempt(() -> rs.getObject(2, Map.of("text", String.class))));
              }
            }),
        c.check(
            "schema and catalog",
            con -> {
              Object initial = all(con.getSchema(), con.getCatalog());
              con.setSchema("public");
              con.setCatalog("template1");
              return all(
                  initial, con.getSchema(), con.getCatalog(), query(con, "SHOW search_path"));
            }),
        c.check(
            "nativeSQL translates JDBC escapes",
            con ->
                all(
                    con.nativeSQL("SELECT {fn ucase(name)} FROM t WHERE d = {d '2024-01-02'}"),
                    con.nativeSQL("{call f(?, ?)}"),
                    con.nativeSQL("{? = call f(?)}"))),
        c.check(
            "a result set type pgjdbc does not offer",
            con -> {
              try (Statement s =
                  con.createStatement(
                      ResultSet.TYPE_SCROLL_SENSITIVE, ResultSet.CONCUR_READ_ONLY)) {
                return all(s.getResultSetType(), con.getWarnings(), s.getWarnings());
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> warnings() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "RAISE NOTICE and WARNING become the statement's warnings",
            NOISY,
            con -> {
              try (Statement s = con.createStatement()) {
                Object rs = rows(s.executeQuery("SELECT conf_noisy(3)"));
                return all(rs, s.getWarnings(), con.getWarnings());
              }
            }),
        c.check(
            "clearWarnings clears the statement's and the connection's warnings",
            NOISY,
            con -> {
              try (Statement s = con.createStatement()) {
                s.executeQuery("SELECT conf_noisy(1)").close();
                con.setClientInfo("NoSuchName", "x");
                Object before = all(s.getWarnings(), con.getWarnings());
                s.clearWarnings();
                con.clearWarnings();
                return all(before, s.getWarnings(), con.getWarnings());
              }
            }),
        c.check(
            "the next execution replaces a statement's warnings",
            NOISY,
            con -> {
              try (PreparedStatement ps = con.prepareStatement("SELECT conf_noisy(?)")) {
                ps.setInt(1, 1);
                ps.executeQuery().close();
                Object first = ps.getWarnings();
                ps.setInt(1, 2);
                ps.executeQuery().close();
                return all(first, ps.getWarnings());
              }
            }),
        c.check(
            "notices outside any statement reach the connection",
            NOISY,
            con -> {
              con.setAutoCommit(false);
              query(con, "SELECT 1");
              con.setAutoCommit(true);
              con.setAutoCommit(true);
              try (Statement s = con.createStatement()) {
                s.execute("DO $$ BEGIN RAISE NOTICE 'from DO'; END $$");
                return all(s.getWarnings(), con.getWarnings());
              }
            }),
        c.check(
            "a new connection has no warnings",
            con -> all(con.getWarnings(), facts("valid", con.isValid(2)))));
  }

  @TestFactory
  Stream<DynamicTest> statementsItMakes() {
    Conformance c = conformance;
    return Stream.of(
        c.eachSide(
            "every statement factory method gives statements of the application's connection",
            "",
            (side, conf) -> {
              try (Connection con = conf.open(side)) {
                assertStatementsOf(con);
              }
            }),
        c.eachSide(
            "a DriverManager connection's statements belong to it",
            "",
            (side, conf) -> {
              try (Connection con = conf.open(side, new Properties())) {
                assertStatementsOf(con);
                assertThat(con.getMetaData().getConnection())
                    .as("DatabaseMetaData.getConnection()")
                    .isSameAs(con);
              }
            }));
  }

  /** Each overload of createStatement, prepareStatement and prepareCall, asked for its owner. */
  private static void assertStatementsOf(Connection con) throws Exception {
    int fwd = ResultSet.TYPE_FORWARD_ONLY;
    int ro = ResultSet.CONCUR_READ_ONLY;
    int hold = ResultSet.HOLD_CURSORS_OVER_COMMIT;
    String sql = "SELECT 1";
    List<Statement> made =
        List.of(
            con.createStatement(),
            con.createStatement(fwd, ro),
            con.createStatement(fwd, ro, hold),
            con.prepareStatement(sql),
            con.prepareStatement(sql, fwd, ro),
            con.prepareStatement(sql, fwd, ro, hold),
            con.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS),
            con.prepareStatement(sql, new String[] {"x"}),
            con.prepareCall(sql),
            con.prepareCall(sql, fwd, ro),
            con.prepareCall(sql, fwd, ro, hold));
    for (int i = 0; i < made.size(); i++) {
      try (Statement s = made.get(i)) {
        assertThat(s.getConnection()).as("getConnection() of statement #%d", i).isSameAs(con);
      }
    }
  }
}
