package check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.patronijdbc.PatroniDriver;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.testkit.PatroniCluster;

/** What a user does first: depend on patroni-jdbc-hikari, run a query through it. */
class ConsumerCheckTest {

  @Test
  void oneQueryThroughTheStagedArtifacts() throws Exception {
    try (PatroniCluster cluster = PatroniCluster.builder().members(2).start()) {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(cluster.jdbcUrl("postgres"));
      config.setUsername(PatroniCluster.SUPERUSER);
      config.setPassword(PatroniCluster.PASSWORD);
      try (PatroniHikariDataSource ds = new PatroniHikariDataSource(config)) {
        assertFalse(inRecovery(ds.getConnection()), "the write pool reaches the leader");
        assertTrue(inRecovery(ds.readOnly().getConnection()), "the read pool reaches a replica");
      }
    }
  }

  @Test
  void theJarsComeFromTheStagingRepositoryWithTheirModuleNames() throws Exception {
    assertModule(PatroniDriver.class, "org.patronijdbc");
    assertModule(PatroniHikariDataSource.class, "org.patronijdbc.hikari");
    assertModule(PatroniCluster.class, "org.patronijdbc.testkit");
  }

  private static void assertModule(Class<?> type, String name) throws Exception {
    Path jar = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertTrue(jar.toString().endsWith(".jar"), type + " from a jar, not " + jar);
    assertTrue(
        jar.startsWith(Path.of(System.getProperty("consumer.repository"))),
        type + " from the consumer's local repository, not " + jar);
    try (JarFile file = new JarFile(jar.toFile())) {
      assertEquals(name, file.getManifest().getMainAttributes().getValue("Automatic-Module-Name"));
    }
  }

  private static boolean inRecovery(Connection connection) throws Exception {
    try (Connection c = connection;
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }
}
