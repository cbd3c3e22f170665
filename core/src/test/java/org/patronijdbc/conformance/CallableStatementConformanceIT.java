package org.patronijdbc.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.patronijdbc.conformance.Values.all;
import static org.patronijdbc.conformance.Values.attempt;
import static org.patronijdbc.conformance.Values.rows;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Types;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/** {@link CallableStatement}: PL/pgSQL functions with OUT and INOUT parameters, return values. */
@PatroniTest
class CallableStatementConformanceIT {

  /** The functions every check calls, created in the run's fresh schema. */
  static final String FUNCTIONS =
      """
      CREATE FUNCTION conf_out(a int, b text, OUT doubled int, OUT shout text) AS $$
      BEGIN
        doubled := a * 2;
        shout := upper(b) || '!';
      END $$ LANGUAGE plpgsql;
      CREATE FUNCTION conf_inout(INOUT n int, OUT label text) AS $$
      BEGIN
        n := n + 1;
        label := 'n=' || n;
      END $$ LANGUAGE plpgsql;
      CREATE FUNCTION conf_maybe(a int) RETURNS text AS $$
      BEGIN
        IF a IS NULL THEN RETURN NULL; END IF;
        RETURN 'got ' || a;
      END $$ LANGUAGE plpgsql;
      CREATE FUNCTION conf_cursor() RETURNS refcursor AS $$
      DECLARE c refcursor;
      BEGIN
        OPEN c FOR SELECT g FROM generate_series(1, 3) g;
        RETURN c;
      END $$ LANGUAGE plpgsql;
      CREATE FUNCTION conf_rows(n int) RETURNS SETOF int AS $$
        SELECT generate_series(1, n)
      $$ LANGUAGE sql;
      CREATE PROCEDURE conf_proc(INOUT x int) AS $$
      BEGIN
        x := x * 10;
      END $$ LANGUAGE plpgsql;
      """;

  private static Conformance conformance;

  @BeforeAll
  static void start(PatroniCluster cluster) {
    conformance = new Conformance(cluster, CallableStatementConformanceIT.class);
  }

  @AfterAll
  static void finish() {
    conformance.close();
  }

  @TestFactory
  Stream<DynamicTest> outParameters() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "OUT parameters of a PL/pgSQL function come back typed",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("{call conf_out(?, ?, ?, ?)}")) {
                cs.setInt(1, 21);
                cs.setString(2, "hi");
                cs.registerOutParameter(3, Types.INTEGER);
                cs.registerOutParameter(4, Types.VARCHAR);
                boolean hasResultSet = cs.execute();
                return all(
                    hasResultSet, cs.getInt(3), cs.getString(4), cs.getObject(3), cs.getObject(4));
              }
            }),
        c.check(
            "a callable statement can be run again with other inputs",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("{call conf_out(?, ?, ?, ?)}")) {
                cs.registerOutParameter(3, Types.INTEGER);
                cs.registerOutParameter(4, Types.VARCHAR);
                StringBuilder out = new StringBuilder();
                for (int i = 0; i < 7; i++) {
                  cs.setInt(1, i);
                  cs.setString(2, "x" + i);
                  cs.execute();
                  out.append(cs.getInt(3)).append(cs.getString(4)).append(' ');
                }
                return out.toString();
              }
            }),
        c.check(
            "an INOUT parameter takes a value in and gives one back",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("{call conf_inout(?, ?)}")) {
                cs.setInt(1, 41);
                cs.registerOutParameter(1, Types.INTEGER);
                cs.registerOutParameter(2, Types.VARCHAR);
                cs.execute();
                return all(cs.getInt(1), cs.getString(2));
              }
            }),
        c.check(
            "a return value and wasNull",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("{? = call conf_maybe(?)}")) {
                cs.registerOutParameter(1, Types.VARCHAR);
                cs.setInt(2, 5);
                cs.execute();
                String value = cs.getString(1);
                boolean nullAfterValue = cs.wasNull();
                cs.setNull(2, Types.INTEGER);
                cs.execute();
                return all(value, nullAfterValue, cs.getString(1), cs.wasNull());
              }
            }),
        c.check(
            "a refcursor return value reads as a result set inside a transaction",
            FUNCTIONS,
            con -> {
              con.setAutoCommit(false);
              try (CallableStatement cs = con.prepareCall("{? = call conf_cursor()}")) {
                cs.registerOutParameter(1, Types.OTHER);
                cs.execute();
                Object cursor = rows((ResultSet) cs.getObject(1));
                con.commit();
                return cursor;
              }
            }),
        c.check(
            "a procedure's INOUT parameter through CALL",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("CALL conf_proc(?)")) {
                cs.setInt(1, 4);
                cs.registerOutParameter(1, Types.INTEGER);
                cs.execute();
                return cs.getInt(1);
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> queriesAndErrors() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "a set-returning function through {call} returns its rows",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("{call conf_rows(?)}")) {
                cs.setInt(1, 4);
                return rows(cs.executeQuery());
              }
            }),
        c.check(
            "a function with OUT parameters selected as rows",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("SELECT * FROM conf_out(?, ?)")) {
                cs.setInt(1, 5);
                cs.setString(2, "row");
                return rows(cs.executeQuery());
              }
            }),
        c.check(
            "an OUT parameter registered with the wrong type",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("{call conf_out(?, ?, ?, ?)}")) {
                cs.setInt(1, 1);
                cs.setString(2, "a");
                cs.registerOutParameter(3, Types.VARCHAR);
                cs.registerOutParameter(4, Types.VARCHAR);
                return all(attempt(cs::execute), attempt(() -> cs.getString(3)));
              }
            }),
        c.check(
            "OUT parameters that were never registered",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("{call conf_out(?, ?, ?, ?)}")) {
                cs.setInt(1, 1);
                cs.setString(2, "a");
                return all(attempt(cs::execute), attempt(() -> cs.getInt(3)));
              }
            }),
        c.check(
            "reading an OUT parameter before execution fails",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("{? = call conf_maybe(?)}")) {
                cs.registerOutParameter(1, Types.VARCHAR);
                return cs.getString(1);
              }
            }),
        c.check(
            "calling a function that does not exist has SQLState 42883",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("{call no_such_function(?)}")) {
                cs.setInt(1, 1);
                return cs.execute();
              }
            }),
        c.check(
            "parameter metadata of a call",
            FUNCTIONS,
            con -> {
              try (CallableStatement cs = con.prepareCall("{? = call conf_maybe(?)}")) {
                cs.registerOutParameter(1, Types.VARCHAR);
                var md = cs.getParameterMetaData();
                return all(
                    md.getParameterCount(),
                    attempt(() -> md.getParameterMode(1)),
                    attempt(() -> md.getParameterType(2)));
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> identity() {
    return Stream.of(
        conformance.eachSide(
            "CallableStatement.getConnection() is the application's connection",
            FUNCTIONS,
            (side, conf) -> {
              try (Connection con = conf.open(side);
                  CallableStatement cs = con.prepareCall("{? = call conf_maybe(?)}")) {
                assertThat(cs.getConnection())
                    .as("CallableStatement.getConnection()")
                    .isSameAs(con);
                cs.registerOutParameter(1, Types.VARCHAR);
                cs.setInt(2, 1);
                cs.execute();
                assertThat(cs.getString(1)).isEqualTo("got 1");
              }
            }));
  }
}
