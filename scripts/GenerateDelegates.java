import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.CallableStatement;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Writes the delegating JDBC classes of org.patronijdbc.internal.jdbc: for each JDBC interface, a
 * chain of abstract classes that hand every method to the delegate, split by kind of method so no
 * file passes 400 lines. Methods that return a ResultSet, a Statement or the Connection call hooks
 * of the final wrapper instead, which hand out the library's own objects. Run from the repository
 * root: java scripts/GenerateDelegates.java (then mvn spotless:apply -pl core).
 */
public class GenerateDelegates {

  static final String PKG = "org.patronijdbc.internal.jdbc";
  static final Path DIR = Path.of("core/src/main/java/org/patronijdbc/internal/jdbc");
  /** Methods each root writes itself (templates below), by interface. */
  static final Map<Class<?>, Set<String>> HANDWRITTEN =
      Map.of(
          Statement.class, Set.of("unwrap", "isWrapperFor", "getConnection", "close"),
          ResultSet.class, Set.of("unwrap", "isWrapperFor", "getStatement", "close"),
          DatabaseMetaData.class, Set.of("unwrap", "isWrapperFor", "getConnection", "getURL"));

  static final String WRAPPER_METHODS =
      """

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
          return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) throws SQLException {
          return iface.isInstance(this) || delegate.isWrapperFor(iface);
        }

        @Override
        public String toString() {
          return delegate.toString();
        }
      """;

  /** The root of each chain: its fields, constructor and the methods it writes itself. */
  static final Map<Class<?>, String> ROOTS =
      Map.of(
          Statement.class,
          """

            /** The driver's own statement. */
            protected final Statement delegate;

            /** The connection the application holds, which made this statement. */
            protected final Connection connection;

            private final String sql;
            private final StatementListener listener;

            /**
             * @param sql the statement's SQL when it was prepared, else null
             * @param listener told of every statement that ran or failed, or null
             */
            public StatementDelegate(
                Statement delegate, Connection connection, String sql, StatementListener listener) {
              this.delegate = delegate;
              this.connection = connection;
              this.sql = sql;
              this.listener = listener;
            }

            /** A statement ran, its SQL given or prepared; {@code query}: by executeQuery. */
            protected final void executed(String given, boolean query) throws SQLException {
              if (listener != null) {
                listener.executed(given != null ? given : sql, query);
              }
            }

            /**
             * A row of one of this statement's result sets was inserted, updated or deleted: a
             * write, whatever the query was.
             */
            final void rowWritten() throws SQLException {
              executed(null, false);
            }

            /** A statement failed: the error the application gets. */
            protected final SQLException failed(String given, boolean query, SQLException e) {
              return listener == null ? e : listener.failed(given != null ? given : sql, query, e);
            }

            /** The result set as the application sees it: its statement is this one. */
            protected ResultSet wrap(ResultSet resultSet) {
              return resultSet == null ? null : new ResultSetDelegate(resultSet, this, connection);
            }

            @Override
            public Connection getConnection() throws SQLException {
              delegate.getConnection(); // a closed statement throws as the driver's does
              return connection;
            }

            @Override
            public void close() throws SQLException {
              delegate.close();
            }
          """ + WRAPPER_METHODS,
          ResultSet.class,
          """

            /** The driver's own result set. */
            protected final ResultSet delegate;

            private final Statement statement;
            private final Connection connection;

            /**
             * @param statement the statement the application holds that produced it (for a result
             *     set of the metadata, the library's statement over the driver's)
             */
            public ResultSetCursorDelegate(
                ResultSet delegate, Statement statement, Connection connection) {
              this.delegate = delegate;
              this.statement = statement;
              this.connection = connection;
            }

            @Override
            public Statement getStatement() throws SQLException {
              delegate.getStatement(); // a closed result set throws here
              return statement;
            }

            /** An updatable result set wrote a row: its statement tells the connection. */
            protected final void rowWritten() throws SQLException {
              if (statement instanceof StatementDelegate s) {
                s.rowWritten();
              }
            }

            @Override
            public void close() throws SQLException {
              delegate.close();
            }
          """ + WRAPPER_METHODS,
          DatabaseMetaData.class,
          """

            /** The driver's own metadata. */
            protected final DatabaseMetaData delegate;

            private final Connection connection;
            private final String url;

            /**
             * @param url the URL the application connected with, secrets masked
             */
            public MetaDataSupportDelegate(
                DatabaseMetaData delegate, Connection connection, String url) {
              this.delegate = delegate;
              this.connection = connection;
              this.url = url;
            }

            /** A result set of the metadata, as the application sees it. */
            protected ResultSet wrap(ResultSet resultSet) throws SQLException {
              if (resultSet == null) {
                return null;
              }
              Statement driver = resultSet.getStatement();
              Statement statement =
                  driver == null ? null : new StatementDelegate(driver, connection, null, null);
              return new ResultSetDelegate(resultSet, statement, connection);
            }

            @Override
            public Connection getConnection() throws SQLException {
              return connection;
            }

            @Override
            public String getURL() throws SQLException {
              return url;
            }
          """ + WRAPPER_METHODS);

  record Slice(String name, String doc, Predicate<Method> takes) {}

  public static void main(String[] args) throws Exception {
    Files.createDirectories(DIR);
    connection();
    chain(
        Statement.class,
        null,
        List.of(new Slice("StatementDelegate", "every Statement method", m -> true)));
    chain(
        PreparedStatement.class,
        "StatementDelegate",
        List.of(
            new Slice(
                "PreparedStatementDelegate", "the methods PreparedStatement adds", m -> true)));
    chain(
        CallableStatement.class,
        "PreparedStatementDelegate",
        List.of(
            new Slice(
                "CallableOutParametersDelegate",
                "CallableStatement's OUT parameter reads by index and registration",
                m -> !m.getName().startsWith("set") && !takesName(m)),
            new Slice(
                "CallableNamedOutParametersDelegate",
                "CallableStatement's OUT parameter reads by name and registration",
                m -> !m.getName().startsWith("set")),
            new Slice(
                "CallableStatementDelegate",
                "CallableStatement's parameter settings by name",
                m -> true)));
    chain(
        ResultSet.class,
        null,
        List.of(
            new Slice(
                "ResultSetCursorDelegate",
                "ResultSet's cursor, metadata and row methods",
                m -> !m.getName().startsWith("get") && !m.getName().startsWith("update")
                    || m.getParameterCount() == 0),
            new Slice(
                "ResultSetColumnReadsDelegate",
                "ResultSet's reads by column index",
                m -> m.getName().startsWith("get") && !takesName(m)),
            new Slice(
                "ResultSetLabelReadsDelegate",
                "ResultSet's reads by column label",
                m -> m.getName().startsWith("get")),
            new Slice(
                "ResultSetColumnUpdatesDelegate",
                "ResultSet's updates by column index",
                m -> m.getName().startsWith("update") && !takesName(m)),
            new Slice("ResultSetDelegate", "ResultSet's updates by column label", m -> true)));
    chain(
        DatabaseMetaData.class,
        null,
        List.of(
            new Slice(
                "MetaDataSupportDelegate",
                "DatabaseMetaData's supports... answers without arguments",
                m -> m.getName().startsWith("supports") && m.getParameterCount() == 0),
            new Slice(
                "MetaDataFeatureDelegate",
                "DatabaseMetaData's other yes-or-no answers",
                m -> m.getReturnType() == boolean.class),
            new Slice(
                "MetaDataCatalogDelegate",
                "DatabaseMetaData's catalog queries (result sets)",
                m -> m.getReturnType() == ResultSet.class),
            new Slice("MetaDataDelegate", "the rest of DatabaseMetaData", m -> true)));
  }

  static Class<?> rootOf(Class<?> iface) {
    return Statement.class.isAssignableFrom(iface) ? Statement.class : iface;
  }

  /** Methods PatroniConnection writes itself: it hands out the library's own objects. */
  static final Set<String> CONNECTION_OWN =
      Set.of(
          "createStatement",
          "prepareStatement",
          "prepareCall",
          "getMetaData",
          "commit",
          "rollback()",
          "setAutoCommit",
          "close",
          "abort",
          "unwrap",
          "isWrapperFor");

  /**
   * Writes org.patronijdbc.ConnectionDelegate: the Connection methods PatroniConnection hands to
   * pgjdbc as they are, so that the API class holds only what it does itself.
   */
  static void connection() throws Exception {
    Set<String> imports = new TreeSet<>();
    imports.add("java.sql.Connection");
    imports.add("java.sql.SQLException");
    StringBuilder body = new StringBuilder();
    Method[] methods = java.sql.Connection.class.getMethods();
    Arrays.sort(methods, Comparator.comparing(GenerateDelegates::key));
    Set<String> seen = new TreeSet<>();
    for (Method m : methods) {
      String own = m.getParameterCount() == 0 ? m.getName() + "()" : m.getName();
      if (Modifier.isStatic(m.getModifiers())
          || CONNECTION_OWN.contains(m.getName())
          || CONNECTION_OWN.contains(own)
          || !seen.add(key(m))) {
        continue;
      }
      method(m, body, imports, "delegate");
    }
    StringBuilder src = new StringBuilder("package org.patronijdbc;\n\n");
    for (String i : imports) {
      if (!i.startsWith("java.lang.") || i.lastIndexOf('.') > "java.lang".length()) {
        src.append("import ").append(i).append(";\n");
      }
    }
    src.append(
        "\n/**\n * Generated by scripts/GenerateDelegates.java: the Connection methods"
            + " PatroniConnection hands\n * to pgjdbc as they are.\n */\n");
    src.append("abstract class ConnectionDelegate implements Connection {\n\n");
    src.append("  /** pgjdbc's connection. */\n  final Connection delegate;\n\n");
    src.append("  ConnectionDelegate(Connection delegate) {\n    this.delegate = delegate;\n  }\n");
    src.append(body).append("}\n");
    Files.writeString(
        Path.of("core/src/main/java/org/patronijdbc/ConnectionDelegate.java"), src.toString());
  }

  /** Appends a method of {@code m}'s signature that hands the call to {@code target}. */
  static void method(Method m, StringBuilder body, Set<String> imports, String target) {
    body.append("\n  @Override\n  public ");
    if (m.getTypeParameters().length > 0) {
      body.append("<T> ");
    }
    body.append(type(m.getGenericReturnType(), imports)).append(' ').append(m.getName()).append('(');
    List<String> names = new ArrayList<>();
    Parameter[] ps = m.getParameters();
    for (int i = 0; i < ps.length; i++) {
      names.add("a" + i);
      body.append(i == 0 ? "" : ", ").append(type(ps[i].getParameterizedType(), imports));
      body.append(" a").append(i);
    }
    body.append(')');
    if (m.getExceptionTypes().length > 0) {
      List<String> ex = new ArrayList<>();
      for (Class<?> e : m.getExceptionTypes()) {
        ex.add(type(e, imports));
      }
      body.append(" throws ").append(String.join(", ", ex));
    }
    body.append(" {\n    ");
    String call = target + "." + m.getName() + "(" + String.join(", ", names) + ")";
    body.append(m.getReturnType() == void.class ? call + ";\n" : "return " + call + ";\n");
    body.append("  }\n");
  }

  static boolean takesName(Method m) {
    return m.getParameterCount() > 0 && m.getParameterTypes()[0] == String.class;
  }

  /** Writes one chain: each slice takes the methods its predicate accepts and no earlier one did. */
  static void chain(Class<?> iface, String parent, List<Slice> slices) throws Exception {
    Map<String, Method> all = new LinkedHashMap<>();
    Method[] methods = iface.getMethods();
    Arrays.sort(methods, Comparator.comparing(GenerateDelegates::key));
    for (Method m : methods) {
      if (Modifier.isStatic(m.getModifiers())
          || HANDWRITTEN.getOrDefault(rootOf(iface), Set.of()).contains(m.getName())
          || m.getName().equals("unwrap")
          || m.getName().equals("isWrapperFor")) {
        continue;
      }
      if (parent != null && declaredInParentInterface(iface, m)) {
        continue;
      }
      all.putIfAbsent(key(m), m);
    }
    String previous = parent;
    for (int i = 0; i < slices.size(); i++) {
      Slice slice = slices.get(i);
      List<Method> mine = new ArrayList<>();
      for (var it = all.entrySet().iterator(); it.hasNext(); ) {
        Method m = it.next().getValue();
        if (slice.takes.test(m)) {
          mine.add(m);
          it.remove();
        }
      }
      write(iface, slice, previous, mine, i == 0 && parent == null, i > 0);
      previous = slice.name;
    }
  }

  static boolean declaredInParentInterface(Class<?> iface, Method m) {
    for (Class<?> parent : iface.getInterfaces()) {
      try {
        parent.getMethod(m.getName(), m.getParameterTypes());
        return true;
      } catch (NoSuchMethodException e) {
        // declared here
      }
    }
    return false;
  }

  static String key(Method m) {
    return m.getName() + Arrays.toString(m.getParameterTypes());
  }

  static void write(
      Class<?> iface, Slice slice, String parent, List<Method> methods, boolean root, boolean sameLevel)
      throws Exception {
    Set<String> imports = new TreeSet<>();
    imports.add(iface.getName());
    StringBuilder body = new StringBuilder();
    for (Method m : methods) {
      body.append("\n  @Override\n  public ");
      if (m.getTypeParameters().length > 0) {
        body.append("<T> ");
      }
      body.append(type(m.getGenericReturnType(), imports)).append(' ').append(m.getName()).append('(');
      List<String> names = new ArrayList<>();
      Parameter[] ps = m.getParameters();
      for (int i = 0; i < ps.length; i++) {
        String name = "a" + i;
        names.add(name);
        body.append(i == 0 ? "" : ", ").append(type(ps[i].getParameterizedType(), imports));
        body.append(' ').append(name);
      }
      body.append(')');
      if (m.getExceptionTypes().length > 0) {
        body.append(" throws ");
        List<String> ex = new ArrayList<>();
        for (Class<?> e : m.getExceptionTypes()) {
          ex.add(type(e, imports));
        }
        body.append(String.join(", ", ex));
      }
      body.append(" {\n    ");
      String call = "delegate." + m.getName() + "(" + String.join(", ", names) + ")";
      if (Statement.class.isAssignableFrom(iface) && m.getName().startsWith("execute")) {
        // the connection hears of every statement that ran: a write unless a plain query
        String sql = m.getParameterCount() > 0 && m.getParameterTypes()[0] == String.class
            ? "a0" : "null";
        boolean query = m.getName().equals("executeQuery");
        String result = type(m.getGenericReturnType(), imports);
        body.append(result).append(" result;\n    try {\n      ");
        body.append("result = ").append(call).append(";\n    } catch (SQLException e) {\n      ");
        body.append("throw failed(").append(sql).append(", ").append(query).append(", e);\n    }\n    ");
        body.append("executed(").append(sql).append(", ").append(query).append(");\n    ");
        body.append(query ? "return wrap(result);\n" : "return result;\n");
      } else if (ResultSet.class == iface
          && Set.of("insertRow", "updateRow", "deleteRow").contains(m.getName())) {
        body.append(call).append(";\n    rowWritten();\n");
      } else if (m.getReturnType() == void.class) {
        body.append(call).append(";\n");
      } else if (m.getReturnType() == ResultSet.class) {
        body.append("return wrap(").append(call).append(");\n");
      } else {
        body.append("return ").append(call).append(";\n");
      }
      body.append("  }\n");
    }
    StringBuilder src = new StringBuilder("package ").append(PKG).append(";\n\n");
    imports.add("java.sql.ResultSet");
    imports.add("java.sql.SQLException");
    imports.add("java.sql.Connection");
    imports.add("java.sql.Statement");
    for (String i : imports) {
      if (!i.startsWith("java.lang.") || i.lastIndexOf('.') > "java.lang".length()) {
        src.append("import ").append(i).append(";\n");
      }
    }
    src.append("\n/** Generated by scripts/GenerateDelegates.java: ").append(slice.doc)
        .append(", handed to the delegate. */\n");
    boolean leaf =
        slice.name.equals("StatementDelegate")
            || slice.name.equals("PreparedStatementDelegate")
            || slice.name.equals("CallableStatementDelegate")
            || slice.name.equals("ResultSetDelegate")
            || slice.name.equals("MetaDataDelegate");
    src.append(leaf ? "public class " : "public abstract class ").append(slice.name);
    if (parent != null) {
      src.append(" extends ").append(parent);
    }
    if (root || !sameLevel) {
      src.append(" implements ").append(iface.getSimpleName());
    }
    src.append(" {\n");
    String field = iface.getSimpleName();
    String last = slice == null ? "" : "";
    if (root) {
      src.append(ROOTS.get(iface).stripTrailing()).append("\n");
    } else if (sameLevel) {
      src.append("\n  public ").append(slice.name).append('(').append(constructorParams(iface))
          .append(") {\n    super(").append(constructorArgs(iface)).append(");\n  }\n");
    } else {
      src.append("\n  /** The driver's own object. */\n  protected final ").append(field)
          .append(" delegate;\n\n  public ").append(slice.name).append('(')
          .append(constructorParams(iface)).append(") {\n    super(")
          .append(constructorArgs(iface)).append(");\n    this.delegate = delegate;\n  }\n");
    }
    src.append(body).append("}\n");
    Files.writeString(DIR.resolve(slice.name + ".java"), src.toString());
  }

  static String constructorParams(Class<?> iface) {
    return switch (rootOf(iface).getSimpleName()) {
      case "Statement" ->
          iface.getSimpleName()
              + " delegate, Connection connection, String sql, StatementListener listener";
      case "ResultSet" -> "ResultSet delegate, Statement statement, Connection connection";
      default -> "DatabaseMetaData delegate, Connection connection, String url";
    };
  }

  static String constructorArgs(Class<?> iface) {
    return switch (rootOf(iface).getSimpleName()) {
      case "Statement" -> "delegate, connection, sql, listener";
      case "ResultSet" -> "delegate, statement, connection";
      default -> "delegate, connection, url";
    };
  }

  static String type(Type t, Set<String> imports) {
    if (t instanceof Class<?> c) {
      if (c.isArray()) {
        return type(c.getComponentType(), imports) + "[]";
      }
      if (c.isPrimitive()) {
        return c.getName();
      }
      if (!c.getPackageName().equals("java.lang")) {
        imports.add(c.getName().replace('$', '.'));
      }
      return c.getSimpleName();
    }
    String s = t.getTypeName();
    // generic types: Map<String, Class<?>>, <T> T getObject(int, Class<T>)
    if (s.startsWith("java.util.Map")) {
      imports.add("java.util.Map");
      return "Map<String, Class<?>>";
    }
    if (s.startsWith("java.lang.Class")) {
      return "Class<T>";
    }
    if (s.equals("T")) {
      return "T";
    }
    throw new IllegalStateException("type " + s);
  }
}
