package org.patronijdbc.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.patronijdbc.conformance.StatementConformanceIT.ITEMS;
import static org.patronijdbc.conformance.Values.all;
import static org.patronijdbc.conformance.Values.attempt;
import static org.patronijdbc.conformance.Values.facts;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * {@link ResultSet}: forward-only cursors, getters, metadata and ownership. Scrolling, updating and
 * holdability are in {@link ResultSetCursorConformanceIT}.
 */
@PatroniTest
class ResultSetConformanceIT {

  static final String TEN = "SELECT g AS n, 'row ' || g AS label FROM generate_series(1, 10) g";

  private static Conformance conformance;

  @BeforeAll
  static void start(PatroniCluster cluster) {
    conformance = new Conformance(cluster, ResultSetConformanceIT.class);
  }

  @AfterAll
  static void finish() {
    conformance.close();
  }

  /** Where the cursor is: row number and the four position tests, then the row's n or null. */
  static String at(ResultSet rs) throws Exception {
    String n = rs.isBeforeFirst() || rs.isAfterLast() ? "-" : rs.getString(1);
    return rs.getRow()
        + (rs.isBeforeFirst() ? " beforeFirst" : "")
        + (rs.isFirst() ? " first" : "")
        + (rs.isLast() ? " last" : "")
        + (rs.isAfterLast() ? " afterLast" : "")
        + " n="
        + n;
  }

  @TestFactory
  Stream<DynamicTest> forwardOnly() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "a forward-only result set walks its rows once",
            con -> {
              try (Statement s = con.createStatement();
                  ResultSet rs = s.executeQuery("SELECT generate_series(1, 3)")) {
                List<Object> steps = new ArrayList<>();
                steps.add(at(rs));
                while (rs.next()) {
                  steps.add(at(rs));
                }
                steps.add(at(rs));
                steps.add(rs.next());
                return all(steps, rs.getType(), rs.getConcurrency());
              }
            }),
        c.check(
            "a forward-only result set refuses to scroll",
            con -> {
              try (Statement s = con.createStatement();
                  ResultSet rs = s.executeQuery(TEN)) {
                rs.next();
                return all(
                    attempt(() -> rs.absolute(3)),
                    attempt(rs::previous),
                    attempt(rs::first),
                    attempt(
                        () -> {
                          rs.setFetchDirection(ResultSet.FETCH_REVERSE);
                          return rs.getFetchDirection();
                        }));
              }
            }),
        c.check(
            "getters by index and label, findColumn and wasNull",
            con -> {
              try (Statement s = con.createStatement();
                  ResultSet rs =
                      s.executeQuery(
                          "SELECT 7 AS n, NULL::int AS z, '12.50'::numeric AS amount,"
                              + " 'text' AS \"Mixed\", '\\xcafe'::bytea AS bin")) {
                rs.next();
                int z = rs.getInt("z");
                boolean zWasNull = rs.wasNull();
                return all(
                    rs.getInt(1),
                    rs.getLong("n"),
                    rs.getString("N"),
                    z,
                    zWasNull,
                    rs.getBigDecimal("amount"),
                    rs.getDouble(3),
                    rs.getString("Mixed"),
                    rs.findColumn("mixed"),
                    rs.getBytes("bin"),
                    attempt(() -> rs.findColumn("nope")),
                    attempt(() -> rs.getInt("Mixed")));
              }
            }),
        c.check(
            "getObject with a target class converts",
            con -> {
              try (Statement s = con.createStatement();
                  ResultSet rs =
                      s.executeQuery(
                          "SELECT DATE '2024-03-01', TIMESTAMPTZ '2024-03-01 10:00:00+02',"
                              + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 42, 1.25::numeric,"
                              + " ARRAY['a','b']")) {
                rs.next();
                return all(
                    attempt(() -> rs.getObject(1, LocalDate.class)),
                    attempt(() -> rs.getObject(2, OffsetDateTime.class)),
                    attempt(() -> rs.getObject(3, UUID.class)),
                    attempt(() -> rs.getObject(4, Long.class)),
                    attempt(() -> rs.getObject(5, BigDecimal.class)),
                    attempt(() -> rs.getArray(6)),
                    attempt(() -> rs.getObject(4, LocalDate.class)));
              }
            }),
        c.check(
            "ResultSetMetaData describes columns of a table and of expressions",
            ITEMS,
            con -> {
              try (Statement s = con.createStatement();
                  ResultSet rs =
                      s.executeQuery("SELECT id, name, qty, qty * 1.5 AS x FROM items")) {
                ResultSetMetaData md = rs.getMetaData();
                List<Object> cols = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                  cols.add(
                      facts(
                          "label", md.getColumnLabel(i),
                          "name", md.getColumnName(i),
                          "type", md.getColumnType(i),
                          "typeName", md.getColumnTypeName(i),
                          "class", md.getColumnClassName(i),
                          "precision", md.getPrecision(i),
                          "scale", md.getScale(i),
                          "nullable", md.isNullable(i),
                          "autoIncrement", md.isAutoIncrement(i),
                          "table", md.getTableName(i),
                          "schema", md.getSchemaName(i),
                          "displaySize", md.getColumnDisplaySize(i)));
                }
                return cols;
              }
            }),
        c.check(
            "a closed result set says so and refuses work",
            con -> {
              try (Statement s = con.createStatement()) {
                ResultSet rs = s.executeQuery("SELECT 1");
                rs.close();
                rs.close();
                return all(rs.isClosed(), attempt(rs::next), attempt(() -> rs.getInt(1)));
              }
            }),
        c.check(
            "a new query on the statement closes its previous result set",
            con -> {
              try (Statement s = con.createStatement()) {
                ResultSet first = s.executeQuery("SELECT 1");
                s.executeQuery("SELECT 2").close();
                return all(first.isClosed(), attempt(first::next));
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> identity() {
    return Stream.of(
        conformance.eachSide(
            "ResultSet.getStatement() is the statement, and its connection the application's",
            "",
            (side, conf) -> {
              try (Connection con = conf.open(side);
                  Statement s = con.createStatement();
                  ResultSet rs = s.executeQuery("SELECT 1")) {
                assertThat(rs.getStatement()).as("ResultSet.getStatement()").isSameAs(s);
                assertThat(rs.getStatement().getConnection())
                    .as("ResultSet.getStatement().getConnection()")
                    .isSameAs(con);
              }
            }),
        conformance.eachSide(
            "every road to a result set leads back to its statement",
            "",
            (side, conf) -> {
              try (Connection con = conf.open(side);
                  Statement s = con.createStatement();
                  var ps = con.prepareStatement("SELECT ?::int");
                  var cs = con.prepareCall("{call generate_series(?, ?)}")) {
                s.execute("SELECT 1; SELECT 2");
                assertThat(s.getResultSet().getStatement()).as("execute, getResultSet").isSameAs(s);
                s.getMoreResults();
                assertThat(s.getResultSet().getStatement()).as("getMoreResults").isSameAs(s);
                ps.setInt(1, 1);
                assertThat(ps.executeQuery().getStatement()).as("executeQuery").isSameAs(ps);
                ps.execute();
                assertThat(ps.getResultSet().getStatement()).as("ps.getResultSet").isSameAs(ps);
                cs.setInt(1, 1);
                cs.setInt(2, 2);
                assertThat(cs.executeQuery().getStatement()).as("cs.executeQuery").isSameAs(cs);
              }
            }));
  }
}
