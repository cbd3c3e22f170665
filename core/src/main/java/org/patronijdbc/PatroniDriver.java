package org.patronijdbc;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Arrays;
import java.util.Properties;
import java.util.logging.Logger;
import org.patronijdbc.internal.PatroniConfig;
import org.patronijdbc.internal.Secrets;

/**
 * The {@code java.sql.Driver} for {@code jdbc:patroni:postgresql://...} URLs; registered through
 * {@code META-INF/services/java.sql.Driver}. Everything after {@code jdbc:patroni:} is a pgjdbc
 * URL; {@link PatroniProperty} lists the properties patroni-jdbc reads, the rest go to pgjdbc.
 *
 * <p>Connections opened through {@link DriverManager} share one topology monitor per cluster (a
 * daemon thread). It stops once no connection of its configuration has been open for a minute and
 * starts again on the next connect; {@link #releaseAll()} stops them all at once.
 */
public final class PatroniDriver implements Driver {

  private static final DriverConnectors connectors = new DriverConnectors();

  static {
    try {
      DriverManager.registerDriver(new PatroniDriver());
    } catch (SQLException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Creates the driver; {@link DriverManager} does this once through the service loader. */
  public PatroniDriver() {}

  /**
   * Opens a connection to a member fit for the URL's {@code targetServerType}.
   *
   * @return null when the URL is not a {@code jdbc:patroni:} URL (JDBC's rule)
   * @throws SQLException 22023 for a malformed URL or bad property; 08001 when no fit member
   *     answers within {@code failoverTimeoutMs}
   */
  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null;
    }
    PatroniConfig config = PatroniConfig.parse(url, info);
    return connectors.connect(Secrets.keyWithoutSecrets(url, info), config);
  }

  /**
   * Stops every topology monitor that {@link DriverManager} connections started, for containers
   * that redeploy an application without restarting the JVM. Connections still open keep working;
   * the next connect starts a monitor again. Monitors shared with an open {@link PatroniDataSource}
   * keep running until it is closed.
   *
   * @return how many driver configurations were released
   */
  public static int releaseAll() {
    return connectors.releaseAll();
  }

  /** How many driver configurations hold a monitor now (for tests). */
  static int activeConfigurations() {
    return connectors.size();
  }

  /** True for {@code jdbc:patroni:} URLs only. */
  @Override
  public boolean acceptsURL(String url) {
    return url != null && url.startsWith(PatroniConfig.URL_PREFIX);
  }

  /** One entry per {@link PatroniProperty}, with its current value, description and choices. */
  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
    Properties given = info == null ? new Properties() : info;
    return Arrays.stream(PatroniProperty.values())
        .map(
            p -> {
              DriverPropertyInfo i = new DriverPropertyInfo(p.getName(), p.get(given));
              i.description = p.getDescription();
              i.choices = p.getChoices().isEmpty() ? null : p.getChoices().toArray(String[]::new);
              return i;
            })
        .toArray(DriverPropertyInfo[]::new);
  }

  @Override
  public int getMajorVersion() {
    return 0;
  }

  @Override
  public int getMinorVersion() {
    return 1;
  }

  /** Not JDBC compliant in the strict sense: it adds routing on top of pgjdbc. */
  @Override
  public boolean jdbcCompliant() {
    return false;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("patroni-jdbc logs through SLF4J");
  }
}
