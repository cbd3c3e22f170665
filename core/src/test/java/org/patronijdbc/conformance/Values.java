package org.patronijdbc.conformance;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.postgresql.util.PGobject;

/**
 * The values conformance checks compare: what a check returns, made equal on both runs when
 * pgjdbc's behaviour is ({@link #normalise}). JDK values keep their type, results become lists, an
 * SQLException becomes its SQLState; objects of the driver itself are refused, so a check never
 * compares identities across the two runs.
 */
final class Values {

  private Values() {}

  /** A value that may throw, for {@link #attempt}. */
  @FunctionalInterface
  interface SqlSupplier<R> {
    R get() throws Exception;
  }

  /** A call that returns nothing, for {@link #done}. */
  @FunctionalInterface
  interface SqlRunnable {
    void run() throws Exception;
  }

  /** Makes {@code call} and returns "done", so a void call can be {@link #attempt}ed. */
  static Object done(SqlRunnable call) throws Exception {
    call.run();
    return "done";
  }

  /**
   * What {@code value} returns, normalised, or the normalised exception it throws: an SQLException,
   * or a RuntimeException from the driver (pgjdbc throws a few, e.g. a ClassCastException).
   */
  static Object attempt(SqlSupplier<?> value) throws Exception {
    try {
      return normalise(value.get());
    } catch (NotComparable e) {
      throw e;
    } catch (SQLException | RuntimeException e) {
      return normalise(e);
    }
  }

  /** A check returned something {@link #normalise} cannot compare: a mistake in the check. */
  private static final class NotComparable extends IllegalArgumentException {
    NotComparable(Object v) {
      super("a check returned a value that cannot be compared between runs: " + v.getClass());
    }
  }

  /** The rows of {@code rs} (labels first), leaving out the named columns, and closes it. */
  static List<Object> rows(ResultSet rs, String... skipped) throws SQLException {
    try (rs) {
      ResultSetMetaData md = rs.getMetaData();
      List<Integer> kept = new ArrayList<>();
      List<Object> labels = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        if (!List.of(skipped).contains(md.getColumnLabel(i).toUpperCase())) {
          kept.add(i);
          labels.add(md.getColumnLabel(i));
        }
      }
      List<Object> rows = new ArrayList<>();
      rows.add(labels);
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i : kept) {
          row.add(normalise(rs.getObject(i)));
        }
        rows.add(row);
      }
      return rows;
    }
  }

  /** The rows a query returns on {@code c}. */
  static List<Object> query(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      return rows(s.executeQuery(sql));
    }
  }

  /** A list of normalised values, for a check that returns several things. */
  static List<Object> all(Object... values) throws SQLException {
    List<Object> out = new ArrayList<>();
    for (Object v : values) {
      out.add(normalise(v));
    }
    return out;
  }

  /**
   * A representation of {@code v} that is equal on both runs when pgjdbc's behaviour is: JDK values
   * with their type, results as lists, exceptions as their java.sql type and SQLState.
   */
  static Object normalise(Object v) throws SQLException {
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Character) {
      return v;
    }
    if (v instanceof ResultSet rs) {
      return rows(rs);
    }
    if (v instanceof SQLWarning w) {
      List<Object> chain = new ArrayList<>();
      for (SQLWarning x = w; x != null; x = x.getNextWarning()) {
        chain.add("warning " + x.getSQLState() + " " + x.getMessage());
      }
      return chain;
    }
    if (v instanceof BatchUpdateException e) {
      return List.of(thrown(e), normalise(e.getLargeUpdateCounts()));
    }
    if (v instanceof Throwable t) {
      return thrown(t);
    }
    if (v instanceof BigDecimal b) {
      return "BigDecimal:" + b.toPlainString();
    }
    if (v instanceof Number n) {
      return n.getClass().getSimpleName() + ":" + n;
    }
    if (v instanceof byte[] b) {
      return "bytes:" + HexFormat.of().formatHex(b);
    }
    if (v instanceof int[] a) {
      return normalise(Arrays.stream(a).boxed().toList());
    }
    if (v instanceof long[] a) {
      return normalise(Arrays.stream(a).boxed().toList());
    }
    if (v instanceof Object[] a) {
      return normalise(Arrays.asList(a));
    }
    if (v instanceof Array a) {
      return List.of("array " + a.getBaseTypeName(), normalise(a.getArray()));
    }
    if (v instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>();
      for (Object o : c) {
        out.add(normalise(o));
      }
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new TreeMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        out.put(String.valueOf(e.getKey()), normalise(e.getValue()));
      }
      return out;
    }
    if (v instanceof Class<?> c) {
      return "class " + c.getName();
    }
    if (v instanceof PGobject o) {
      return "pg " + o.getType() + ":" + o.getValue();
    }
    if (v instanceof TemporalAccessor
        || v instanceof java.util.Date
        || v instanceof UUID
        || v instanceof Enum<?>) {
      return v.getClass().getSimpleName() + ":" + v;
    }
    throw new NotComparable(v);
  }

  /**
   * A thrown exception: an SQLException by its SQLState alone (its class is the driver's choice:
   * pgjdbc throws PSQLException, a wrapper may throw a java.sql subclass with the same state),
   * anything else by its nearest java.* type.
   */
  private static String thrown(Throwable t) {
    if (t instanceof SQLException e) {
      return "threw SQLException " + e.getSQLState();
    }
    Class<?> type = t.getClass();
    while (!type.getName().startsWith("java.")) {
      type = type.getSuperclass();
    }
    return "threw " + type.getSimpleName();
  }

  /** Named values, kept in order: for checks that return several labelled facts. */
  static Map<String, Object> facts(Object... keysAndValues) throws SQLException {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      out.put((String) keysAndValues[i], normalise(keysAndValues[i + 1]));
    }
    return out;
  }
}
