package org.patronijdbc.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.patronijdbc.conformance.StatementConformanceIT.ITEMS;
import static org.patronijdbc.conformance.Values.all;
import static org.patronijdbc.conformance.Values.attempt;
import static org.patronijdbc.conformance.Values.query;
import static org.patronijdbc.conformance.Values.rows;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Date;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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

/** {@link PreparedStatement}: parameters, metadata, reuse, batches and generated keys. */
@PatroniTest
class PreparedStatementConformanceIT {

  private static Conformance conformance;

  @BeforeAll
  static void start(PatroniCluster cluster) {
    conformance = new Conformance(cluster, PreparedStatementConformanceIT.class);
  }

  @AfterAll
  static void finish() {
    conformance.close();
  }

  @TestFactory
  Stream<DynamicTest> parameters() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "typed setters round-trip through the server",
            con -> {
              try (PreparedStatement ps =
                  con.prepareStatement(
                      "SELECT ?::int AS i, ?::bigint AS b, ?::numeric AS n, ?::text AS t,"
                          + " ?::bool AS bool, ?::date AS d, ?::timestamp AS ts, ?::bytea AS bin,"
                          + " ?::int AS nothing, ?::float8 AS f")) {
                ps.setInt(1, 42);
                ps.setLong(2, 1L << 40);
                ps.setBigDecimal(3, new BigDecimal("12345.678900"));
                ps.setString(4, "héllo");
                ps.setBoolean(5, true);
                ps.setDate(6, Date.valueOf("2024-02-29"));
                ps.setTimestamp(7, Timestamp.valueOf("2024-02-29 12:34:56.123456"));
                ps.setBytes(8, new byte[] {0, 1, (byte) 0xff});
                ps.setNull(9, Types.INTEGER);
                ps.setDouble(10, 0.1);
                return rows(ps.executeQuery());
              }
            }),
        c.check(
            "setObject takes java.time and UUID values and getObject gives them back",
            con -> {
              try (PreparedStatement ps =
                  con.prepareStatement("SELECT ?::date, ?::timestamp, ?::timestamptz, ?::uuid")) {
                ps.setObject(1, LocalDate.of(2024, 2, 29));
                ps.setObject(2, LocalDateTime.of(2024, 2, 29, 23, 59, 59));
                ps.setObject(3, OffsetDateTime.of(2024, 2, 29, 23, 59, 59, 0, ZoneOffset.UTC));
                ps.setObject(4, UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
                var rs = ps.executeQuery();
                rs.next();
                return all(
                    rs.getObject(1, LocalDate.class),
                    rs.getObject(2, LocalDateTime.class),
                    rs.getObject(3, OffsetDateTime.class),
                    rs.getObject(4, UUID.class));
              }
            }),
        c.check(
            "setObject with a target SQL type converts",
            con -> {
              try (PreparedStatement ps = con.prepareStatement("SELECT ? AS a, ? AS b, ? AS c")) {
                ps.setObject(1, "17", Types.INTEGER);
                ps.setObject(2, 3, Types.VARCHAR);
                ps.setObject(3, "1.50", Types.NUMERIC, 2);
                return rows(ps.executeQuery());
              }
            }),
        c.check(
            "arrays made by createArrayOf bind and come back",
            con -> {
              try (PreparedStatement ps =
                  con.prepareStatement("SELECT ?::int[] AS ints, ?::text[] AS texts")) {
                ps.setArray(1, con.createArrayOf("int4", new Integer[] {3, 1, 2}));
                ps.setArray(2, con.createArrayOf("text", new String[] {"a", null, "c"}));
                return rows(ps.executeQuery());
              }
            }),
        c.check(
            "streams bind as text and bytea",
            con -> {
              try (PreparedStatement ps = con.prepareStatement("SELECT ?::text, ?::bytea")) {
                ps.setCharacterStream(1, new StringReader("from a reader"));
                ps.setBinaryStream(
                    2, new ByteArrayInputStream("bytes".getBytes(StandardCharsets.UTF_8)));
                return rows(ps.executeQuery());
              }
            }),
        c.check(
            "a statement run past the prepare threshold keeps its answers",
            ITEMS,
            con -> {
              List<Object> answers = new ArrayList<>();
              try (PreparedStatement ps =
                  con.prepareStatement("SELECT name, qty FROM items WHERE qty > ? ORDER BY id")) {
                for (int i = 0; i < 8; i++) {
                  ps.setInt(1, i);
                  answers.add(rows(ps.executeQuery()));
                }
              }
              return answers;
            }),
        c.check(
            "a missing parameter fails",
            con -> {
              try (PreparedStatement ps = con.prepareStatement("SELECT ?::int + ?::int")) {
                ps.setInt(1, 1);
                ps.setInt(2, 2);
                Object first = rows(ps.executeQuery());
                ps.clearParameters();
                ps.setInt(1, 1);
                return all(first, attempt(ps::executeQuery));
              }
            }),
        c.check(
            "executing without binding the parameter fails",
            con -> con.prepareStatement("SELECT ?::int").executeQuery()),
        c.check(
            "setInt on index 2 of a one-parameter statement fails",
            con -> {
              PreparedStatement ps = con.prepareStatement("SELECT ?::int");
              ps.setInt(2, 1);
              return null;
            }),
        c.check(
            "executeUpdate returns the rows updated and deleted",
            ITEMS,
            con -> {
              try (PreparedStatement up =
                      con.prepareStatement("UPDATE items SET qty = ? WHERE qty > ?");
                  PreparedStatement del = con.prepareStatement("DELETE FROM items WHERE id = ?")) {
                up.setInt(1, 0);
                up.setInt(2, 4);
                del.setInt(1, 1);
                return all(up.executeUpdate(), del.executeUpdate(), del.executeUpdate());
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> metadata() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "getParameterMetaData reports count, types and modes",
            ITEMS,
            con -> {
              try (PreparedStatement ps =
                  con.prepareStatement("SELECT * FROM items WHERE id = ? AND name = ?")) {
                ParameterMetaData md = ps.getParameterMetaData();
                List<Object> params = new ArrayList<>();
                for (int i = 1; i <= md.getParameterCount(); i++) {
                  params.add(
                      all(
                          md.getParameterType(i),
                          md.getParameterTypeName(i),
                          md.getParameterClassName(i),
                          md.getParameterMode(i),
                          md.isNullable(i)));
                }
                return params;
              }
            }),
        c.check(
            "getMetaData before execution describes the columns",
            ITEMS,
            con -> {
              try (PreparedStatement ps =
                  con.prepareStatement("SELECT id, name, qty * 2 AS twice FROM items")) {
                ResultSetMetaData md = ps.getMetaData();
                List<Object> cols = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                  cols.add(
                      all(
                          md.getColumnLabel(i),
                          md.getColumnType(i),
                          md.getColumnTypeName(i),
                          md.getColumnClassName(i),
                          md.isNullable(i)));
                }
                return cols;
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> batchesAndKeys() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "a PreparedStatement batch returns one count per parameter set",
            ITEMS,
            con -> {
              try (PreparedStatement ps =
                  con.prepareStatement("INSERT INTO items (name, qty) VALUES (?, ?)")) {
                for (int i = 0; i < 5; i++) {
                  ps.setString(1, "item" + i);
                  ps.setInt(2, i);
                  ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                int[] again = ps.executeBatch();
                return all(counts, again, query(con, "SELECT count(*) FROM items"));
              }
            }),
        c.check(
            "an UPDATE batch counts the rows of each parameter set",
            ITEMS,
            con -> {
              try (PreparedStatement ps =
                  con.prepareStatement("UPDATE items SET qty = qty + 1 WHERE qty >= ?")) {
                for (int min : new int[] {0, 5, 100}) {
                  ps.setInt(1, min);
                  ps.addBatch();
                }
                return all(ps.executeLargeBatch(), query(con, "SELECT qty FROM items ORDER BY id"));
              }
            }),
        c.check(
            "a failing PreparedStatement batch in a transaction throws and rolls back",
            ITEMS,
            con -> {
              con.setAutoCommit(false);
              try (PreparedStatement ps =
                  con.prepareStatement("INSERT INTO items (name) VALUES (?)")) {
                for (String name : new String[] {"fig", "pear", "kiwi"}) {
                  ps.setString(1, name);
                  ps.addBatch();
                }
                Object outcome = attempt(ps::executeBatch);
                con.rollback();
                return all(outcome, query(con, "SELECT count(*) FROM items"));
              }
            }),
        c.check(
            "RETURN_GENERATED_KEYS on a prepared insert returns every new row",
            ITEMS,
            con -> {
              try (PreparedStatement ps =
                  con.prepareStatement(
                      "INSERT INTO items (name, qty) VALUES (?, ?)",
                      Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, "fig");
                ps.setInt(2, 9);
                return all(ps.executeUpdate(), rows(ps.getGeneratedKeys()));
              }
            }),
        c.check(
            "generated keys by column names return only those columns, also in a batch",
            ITEMS,
            con -> {
              try (PreparedStatement ps =
                  con.prepareStatement(
                      "INSERT INTO items (name) VALUES (?)", new String[] {"id", "name"})) {
                ps.setString(1, "fig");
                ps.addBatch();
                ps.setString(1, "kiwi");
                ps.addBatch();
                return all(ps.executeBatch(), rows(ps.getGeneratedKeys()));
              }
            }),
        c.check(
            "generated keys by column index are refused",
            ITEMS,
            con -> {
              try (PreparedStatement ps =
                  con.prepareStatement("INSERT INTO items (name) VALUES (?)", new int[] {1})) {
                ps.setString(1, "fig");
                return all(ps.executeUpdate(), rows(ps.getGeneratedKeys()));
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> identity() {
    return Stream.of(
        conformance.eachSide(
            "PreparedStatement.getConnection() is the application's connection",
            "",
            (side, conf) -> {
              try (Connection con = conf.open(side);
                  PreparedStatement ps = con.prepareStatement("SELECT ?::int")) {
                assertThat(ps.getConnection())
                    .as("PreparedStatement.getConnection()")
                    .isSameAs(con);
                ps.setInt(1, 1);
                try (var rs = ps.executeQuery()) {
                  assertThat(rs.getStatement()).as("ResultSet.getStatement()").isSameAs(ps);
                  assertThat(rs.getStatement().getConnection())
                      .as("ResultSet.getStatement().getConnection()")
                      .isSameAs(con);
                }
              }
            }));
  }
}
