package org.patronijdbc.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.patronijdbc.conformance.Conformance.SCHEMA;
import static org.patronijdbc.conformance.Values.attempt;
import static org.patronijdbc.conformance.Values.facts;
import static org.patronijdbc.conformance.Values.rows;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.patronijdbc.conformance.Conformance.Side;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/** {@link DatabaseMetaData}: the catalogue queries, the server and driver facts, and the URL. */
@PatroniTest
class DatabaseMetaDataConformanceIT {

  private static final String TABLES =
      """
      CREATE TABLE customers (
        id bigserial PRIMARY KEY,
        email varchar(120) NOT NULL UNIQUE,
        score numeric(6,2) DEFAULT 0,
        note text);
      COMMENT ON TABLE customers IS 'who buys';
      COMMENT ON COLUMN customers.email IS 'where to write';
      CREATE TABLE orders (
        customer_id bigint REFERENCES customers (id) ON DELETE CASCADE,
        line int,
        placed timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (customer_id, line));
      CREATE INDEX orders_placed ON orders (placed DESC);
      CREATE VIEW big_customers AS SELECT * FROM customers WHERE score > 100;
      CREATE SEQUENCE tickets;
      CREATE FUNCTION conf_add(a int, b int) RETURNS int AS 'SELECT a + b' LANGUAGE sql;
      """;

  private static Conformance conformance;

  @BeforeAll
  static void start(PatroniCluster cluster) {
    conformance = new Conformance(cluster, DatabaseMetaDataConformanceIT.class);
  }

  @AfterAll
  static void finish() {
    conformance.close();
  }

  @TestFactory
  Stream<DynamicTest> catalogue() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "getTables lists the schema's tables, views and sequences",
            TABLES,
            con -> rows(con.getMetaData().getTables(null, SCHEMA, "%", null))),
        c.check(
            "getTables filtered by type",
            TABLES,
            con -> rows(con.getMetaData().getTables(null, SCHEMA, "%", new String[] {"VIEW"}))),
        c.check(
            "getColumns describes every column",
            TABLES,
            con -> rows(con.getMetaData().getColumns(null, SCHEMA, "customers", "%"))),
        c.check(
            "getColumns with a column pattern",
            TABLES,
            con -> rows(con.getMetaData().getColumns(null, SCHEMA, "orders", "p%"))),
        c.check(
            "getPrimaryKeys, single and composite",
            TABLES,
            con ->
                Values.all(
                    rows(con.getMetaData().getPrimaryKeys(null, SCHEMA, "customers")),
                    rows(con.getMetaData().getPrimaryKeys(null, SCHEMA, "orders")))),
        c.check(
            "getImportedKeys and getExportedKeys",
            TABLES,
            con ->
                Values.all(
                    rows(con.getMetaData().getImportedKeys(null, SCHEMA, "orders")),
                    rows(con.getMetaData().getExportedKeys(null, SCHEMA, "customers")))),
        c.check(
            "getIndexInfo",
            TABLES,
            con -> rows(con.getMetaData().getIndexInfo(null, SCHEMA, "orders", false, false))),
        c.check(
            "getSchemas with a pattern",
            TABLES,
            con -> rows(con.getMetaData().getSchemas(null, SCHEMA))),
        c.check(
            "getFunctions and getFunctionColumns",
            TABLES,
            // SPECIFIC_NAME carries the function's OID, new in each run
            con ->
                Values.all(
                    rows(con.getMetaData().getFunctions(null, SCHEMA, "conf_%"), "SPECIFIC_NAME"),
                    rows(
                        con.getMetaData().getFunctionColumns(null, SCHEMA, "conf_add", "%"),
                        "SPECIFIC_NAME"))),
        c.check(
            "getTableTypes and getCatalogs",
            con ->
                Values.all(
                    rows(con.getMetaData().getTableTypes()),
                    rows(con.getMetaData().getCatalogs()))),
        c.check("getTypeInfo", con -> rows(con.getMetaData().getTypeInfo())),
        c.check(
            "getClientInfoProperties", con -> rows(con.getMetaData().getClientInfoProperties())),
        c.check(
            "getTablePrivileges of a table made by the superuser",
            TABLES,
            con -> rows(con.getMetaData().getTablePrivileges(null, SCHEMA, "orders"))));
  }

  @TestFactory
  Stream<DynamicTest> serverAndDriver() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "product and driver names and versions",
            con -> {
              DatabaseMetaData md = con.getMetaData();
              return facts(
                  "product", md.getDatabaseProductName(),
                  "productVersion", md.getDatabaseProductVersion(),
                  "major", md.getDatabaseMajorVersion(),
                  "minor", md.getDatabaseMinorVersion(),
                  "driver", md.getDriverName(),
                  "driverVersion", md.getDriverVersion(),
                  "driverMajor", md.getDriverMajorVersion(),
                  "driverMinor", md.getDriverMinorVersion(),
                  "jdbcMajor", md.getJDBCMajorVersion(),
                  "jdbcMinor", md.getJDBCMinorVersion(),
                  "user", md.getUserName());
            }),
        c.check(
            "what the database says it supports",
            con -> {
              DatabaseMetaData md = con.getMetaData();
              return facts(
                  "transactions", attempt(() -> md.supportsTransactions()),
                  "savepoints", attempt(() -> md.supportsSavepoints()),
                  "batch", attempt(() -> md.supportsBatchUpdates()),
                  "generatedKeys", attempt(() -> md.supportsGetGeneratedKeys()),
                  "namedParameters", attempt(() -> md.supportsNamedParameters()),
                  "multipleResults", attempt(() -> md.supportsMultipleResultSets()),
                  "defaultIsolation", attempt(() -> md.getDefaultTransactionIsolation()),
                  "serializable",
                      attempt(
                          () ->
                              md.supportsTransactionIsolationLevel(
                                  Connection.TRANSACTION_SERIALIZABLE)),
                  "none",
                      attempt(
                          () -> md.supportsTransactionIsolationLevel(Connection.TRANSACTION_NONE)),
                  "holdability", attempt(() -> md.getResultSetHoldability()),
                  "holdOverCommit",
                      attempt(
                          () ->
                              md.supportsResultSetHoldability(ResultSet.HOLD_CURSORS_OVER_COMMIT)),
                  "rowIdLifetime", attempt(() -> md.getRowIdLifetime()),
                  "sqlStateType", attempt(() -> md.getSQLStateType()),
                  "locatorsUpdateCopy", attempt(() -> md.locatorsUpdateCopy()));
            }),
        c.check(
            "which result set types and concurrencies are supported",
            con -> {
              DatabaseMetaData md = con.getMetaData();
              StringBuilder out = new StringBuilder();
              for (int type :
                  new int[] {
                    ResultSet.TYPE_FORWARD_ONLY,
                    ResultSet.TYPE_SCROLL_INSENSITIVE,
                    ResultSet.TYPE_SCROLL_SENSITIVE
                  }) {
                out.append(type).append(':').append(md.supportsResultSetType(type));
                for (int conc :
                    new int[] {ResultSet.CONCUR_READ_ONLY, ResultSet.CONCUR_UPDATABLE}) {
                  out.append(' ').append(md.supportsResultSetConcurrency(type, conc));
                }
                out.append("; ");
              }
              return out.toString();
            }),
        c.check(
            "identifiers, keywords and limits",
            con -> {
              DatabaseMetaData md = con.getMetaData();
              return facts(
                  "quote", md.getIdentifierQuoteString(),
                  "escape", md.getSearchStringEscape(),
                  "extraNameChars", md.getExtraNameCharacters(),
                  "keywords", md.getSQLKeywords(),
                  "numericFunctions", md.getNumericFunctions(),
                  "stringFunctions", md.getStringFunctions(),
                  "lowerCaseIdentifiers", md.storesLowerCaseIdentifiers(),
                  "maxIdentifier", md.getMaxColumnNameLength(),
                  "maxConnections", md.getMaxConnections(),
                  "catalogTerm", md.getCatalogTerm(),
                  "schemaTerm", md.getSchemaTerm(),
                  "procedureTerm", md.getProcedureTerm(),
                  "readOnly", md.isReadOnly(),
                  "nullsAreSortedHigh", md.nullsAreSortedHigh());
            }));
  }

  @TestFactory
  Stream<DynamicTest> ownership() {
    Conformance c = conformance;
    return Stream.of(
        c.eachSide(
            "DatabaseMetaData.getConnection() is the application's connection",
            "",
            (side, conf) -> {
              try (Connection con = conf.open(side)) {
                assertThat(con.getMetaData().getConnection())
                    .as("DatabaseMetaData.getConnection()")
                    .isSameAs(con);
              }
            }),
        c.eachSide(
            "a catalogue result set's statement is none or belongs to the application's connection",
            TABLES,
            (side, conf) -> {
              try (Connection con = conf.open(side);
                  ResultSet rs = con.getMetaData().getTables(null, SCHEMA, "%", null)) {
                if (rs.getStatement() != null) {
                  assertThat(rs.getStatement().getConnection())
                      .as("getTables(...).getStatement().getConnection()")
                      .isSameAs(con);
                }
              }
            }),
        c.eachSide(
            "getURL is the URL the application connected with (data source)",
            "",
            (side, conf) -> {
              try (Connection con = conf.open(side)) {
                assertUrl(side, conf.url(side), con.getMetaData().getURL());
              }
            }),
        c.eachSide(
            "getURL is the URL the application connected with (DriverManager, password in URL)",
            "",
            (side, conf) -> {
              String url = conf.url(side) + "&password=" + PatroniCluster.PASSWORD;
              try (Connection con =
                  DriverManager.getConnection(url, PatroniCluster.SUPERUSER, null)) {
                String reported = con.getMetaData().getURL();
                if (side == Side.PLAIN) {
                  assertThat(reported).as("pgjdbc's getURL()").isEqualTo(url);
                } else {
                  assertUrl(side, url, reported);
                }
              }
            }));
  }

  private static void assertUrl(Side side, String connectedWith, String reported) {
    if (side == Side.PLAIN) {
      assertThat(reported).as("pgjdbc's getURL()").isEqualTo(connectedWith);
      return;
    }
    assertThat(reported)
        .as("getURL() through the library")
        .startsWith("jdbc:patroni:")
        .doesNotContain(PatroniCluster.PASSWORD);
  }
}
