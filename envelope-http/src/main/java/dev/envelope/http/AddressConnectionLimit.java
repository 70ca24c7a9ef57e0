package dev.envelope.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open connections per client address, capped: a connection that would take an address past the cap is closed
 * as soon as it opens, before a byte of it is read, so one client cannot take every connection or thread.
 * Added to a connector as a bean, it hears of every connection the connector opens and closes.
 */
final class AddressConnectionLimit implements Connection.Listener {
  private static final Logger SECURITY = LoggerFactory.getLogger("dev.envelope.security");
  private static final long LOG_EVERY = TimeUnit.MINUTES.toNanos(1);

  private final int perAddress;
  private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
  /** Each connection's address as it was when it opened: a closed socket no longer tells it. */
  private final ConcurrentHashMap<Connection, InetAddress> addresses = new ConcurrentHashMap<>();
  private final AtomicLong loggedAt = new AtomicLong(System.nanoTime() - LOG_EVERY);
  private final AtomicLong refusedSinceLog = new AtomicLong();

  AddressConnectionLimit(int perAddress) {
    this.perAddress = perAddress;
  }

  @Override
  public void onOpened(Connection connection) {
    InetAddress address = address(connection);
    if (address == null) {
      return;
    }
    addresses.put(connection, address);
    int now = open.merge(address, 1, Integer::sum);
    if (now > perAddress) {
      logRefusal(address);
      connection.getEndPoint().close();
    }
  }

  @Override
  public void onClosed(Connection connection) {
    InetAddress address = addresses.remove(connection);
    if (address != null) {
      open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** Connections open now from {@code address} (for tests). */
  int openFrom(InetAddress address) {
    return open.getOrDefault(address, 0);
  }

  private void logRefusal(InetAddress address) {
    long refused = refusedSinceLog.incrementAndGet();
    long last = loggedAt.get();
    long now = System.nanoTime();
    if (now - last >= LOG_EVERY && loggedAt.compareAndSet(last, now)) {
      refusedSinceLog.addAndGet(-refused);
      SECURITY.warn("security: {} has {} connections open, the most one address may have; {} connection(s)"
          + " closed at once since the last such line", address.getHostAddress(), perAddress, refused);
    }
  }

  private static InetAddress address(Connection connection) {
    SocketAddress remote = connection.getEndPoint().getRemoteSocketAddress();
    return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
  }
}
