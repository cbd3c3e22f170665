package org.patronijdbc.examples;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Example 1: plain JDBC through {@link DriverManager}. The same {@code jdbc:patroni:} URL reaches
 * the leader for writes, and with {@code targetServerType=replica} a replica for reads.
 */
public final class PlainJdbcExample {

  /** Where the write and the read ran. */
  public record Result(ServerInfo write, ServerInfo read) {}

  private PlainJdbcExample() {}

  /** Writes a greeting through the leader and reads through a replica. */
  public static Result run(String url, String user, String password) throws SQLException {
    ServerInfo write;
    try (Connection c = DriverManager.getConnection(url, user, password)) {
      try (Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE IF NOT EXISTS greetings (id serial PRIMARY KEY, text text NOT NULL)");
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO greetings (text) VALUES (?)")) {
        ps.setString(1, "hello from plain JDBC");
        ps.executeUpdate();
      }
      write = ServerInfo.of(c);
    }
    String readUrl = url + (url.contains("?") ? "&" : "?") + "targetServerType=replica";
    try (Connection c = DriverManager.getConnection(readUrl, user, password)) {
      return new Result(write, ServerInfo.of(c));
    }
  }

  /** Runs against the URL, user and password given as arguments. */
  public static void main(String[] args) throws SQLException {
    System.out.println(run(args[0], args[1], args[2]));
  }
}
