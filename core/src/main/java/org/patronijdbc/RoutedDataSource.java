package org.patronijdbc;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A view of a data source that connects another way, e.g. its {@code readOnly()}: another target
 * server type, or one member only. Unwrapping goes to the data source it is a view of.
 */
final class RoutedDataSource extends DataSourceBase {

  /** How the view connects: as the configured user when {@code user} is null. */
  @FunctionalInterface
  interface Connect {
    Connection connect(String user, String password) throws SQLException;
  }

  private final DataSource owner;
  private final String view;
  private final Connect connect;

  /**
   * @param view what the view is, for {@link #toString()}, e.g. {@code readOnly()}
   */
  RoutedDataSource(DataSource owner, String view, Connect connect) {
    this.owner = owner;
    this.view = view;
    this.connect = connect;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return connect.connect(null, null);
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return connect.connect(username, password);
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    return owner.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || owner.isWrapperFor(iface);
  }

  @Override
  public String toString() {
    return owner + "." + view;
  }
}
