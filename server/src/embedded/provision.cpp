// SPDX-License-Identifier: MIT
// SocketAccepts: a bare connect(2) to the cluster's Unix socket.
#include "embedded/provision.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace mnemo::embedded {

bool SocketAccepts(const std::filesystem::path& socket_file) {
    sockaddr_un address{};
    const std::string path = socket_file.string();
    if (path.size() >= sizeof address.sun_path) return false;
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const bool accepted =
        connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return accepted;
}

}  // namespace mnemo::embedded
