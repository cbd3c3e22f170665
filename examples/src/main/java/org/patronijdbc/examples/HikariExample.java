package org.patronijdbc.examples;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.patronijdbc.hikari.PatroniHikariDataSource;

/**
 * Example 2: {@link PatroniHikariDataSource}, the write pool for writes and {@code readOnly()} for
 * replica queries.
 */
public final class HikariExample {

  /** Where the write and the read ran. */
  public record Result(ServerInfo write, ServerInfo read) {}

  private HikariExample() {}

  /** Writes through the write pool and reads through the read pool. */
  public static Result run(String url, String user, String password) throws SQLException {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(4);
    try (PatroniHikariDataSource ds = new PatroniHikariDataSource(config)) {
      DataSource writes = ds;
      DataSource reads = ds.readOnly();
      ServerInfo write;
      try (Connection c = writes.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "CREATE TABLE IF NOT EXISTS greetings (id serial PRIMARY KEY, text text NOT NULL)")) {
        ps.execute();
        try (PreparedStatement insert =
            c.prepareStatement("INSERT INTO greetings (text) VALUES (?)")) {
          insert.setString(1, "hello from HikariCP");
          insert.executeUpdate();
        }
        write = ServerInfo.of(c);
      }
      try (Connection c = reads.getConnection()) {
        return new Result(write, ServerInfo.of(c));
      }
    }
  }
}
