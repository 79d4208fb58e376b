#pragma once
// The open connections of one I/O thread, most recently active first: what
// draining closes, and where a new connection over --http-max-connections
// finds an idle one to take the place of. Only its own thread touches it, so
// it needs no lock. A template on the socket type so that it includes no Asio.
#include <boost/system/error_code.hpp>

#include <list>

namespace tessera::http {

template <class Socket>
class ConnectionList {
 public:
  class Entry {
   public:
    explicit Entry(Socket* s) : socket(s) {}
    Socket* socket;        // may be replaced (a TLS stream takes over the socket)
    bool busy = false;     // serving a request: never closed early
    bool closing = false;  // closed to make room; its coroutine has not unwound yet
    // After a response: now the most recently active. Moves a node, allocates nothing.
    void touch() { list_->splice(list_->begin(), *list_, self_); }

   private:
    friend class ConnectionList;
    std::list<Entry*>* list_ = nullptr;
    typename std::list<Entry*>::iterator self_;
  };

  void add(Entry& e) {
    list_.push_front(&e);
    e.list_ = &list_;
    e.self_ = list_.begin();
  }
  void remove(Entry& e) { list_.erase(e.self_); }
  bool empty() const { return list_.empty(); }

  // Closes the least recently active connection that waits for a request (an
  // idle keep-alive, a slow or silent client); false when all are busy.
  bool close_least_recent_idle() {
    for (auto it = list_.rbegin(); it != list_.rend(); ++it) {
      Entry* e = *it;
      if (e->busy || e->closing) continue;
      e->closing = true;
      boost::system::error_code ignored;
      e->socket->close(ignored);
      return true;
    }
    return false;
  }

  // Draining: every connection not serving a request (nothing acknowledged is lost).
  void close_idle() {
    for (Entry* e : list_) {
      boost::system::error_code ignored;
      if (!e->busy) e->socket->close(ignored);
    }
  }

 private:
  std::list<Entry*> list_;
};

}  // namespace tessera::http
