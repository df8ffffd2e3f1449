/* SPDX-License-Identifier: MIT
 * fifo_open: mkfifo and the open rules of a FIFO in one process.
 * O_WRONLY|O_NONBLOCK without a reader fails with ENXIO; O_RDONLY|O_NONBLOCK
 * succeeds without a writer (and read returns 0); O_RDWR never blocks; data
 * is dropped when the last descriptor closes; unlink and ENOENT, EEXIST.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char path[128], buf[64];
    long n;
    temp_path(path, sizeof path, "fifo_open", ".fifo");

    show("mkfifo(path, 0600)", mkfifo(path, 0600));
    show("mkfifo(path, 0600) again", mkfifo(path, 0600));
    show("mkfifo(\"/nonexistent-dir/x\")", mkfifo("/nonexistent-dir/shadowsel-fifo", 0600));

    printf("-- no reader, no writer --\n");
    show_fd("open(O_WRONLY|O_NONBLOCK) without a reader", open(path, O_WRONLY | O_NONBLOCK));
    int r = show_fd("open(O_RDONLY|O_NONBLOCK) without a writer", open(path, O_RDONLY | O_NONBLOCK));
    show("read(r) with no writer ever", read(r, buf, sizeof buf));

    printf("-- a reader is there --\n");
    int w = show_fd("open(O_WRONLY|O_NONBLOCK) with a reader", open(path, O_WRONLY | O_NONBLOCK));
    show("read(r) with a writer, empty", read(r, buf, sizeof buf));
    show("write(w, \"hello\")", write(w, "hello", 5));
    n = show("read(r)", read(r, buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    show("write(r) (read end)", write(r, "x", 1));
    show("read(w) (write end)", read(w, buf, 1));
    show("close(w)", close(w));
    show("read(r) after the writer closed", read(r, buf, sizeof buf));
    int w2 = show_fd("open(O_WRONLY) blocking, a reader is there", open(path, O_WRONLY));
    show("write(w2, \"again\")", write(w2, "again", 5));
    n = show("read(r)", read(r, buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    show("close(w2)", close(w2));
    show("close(r)", close(r));

    printf("-- O_RDWR --\n");
    int rw = show_fd("open(O_RDWR), nobody else", open(path, O_RDWR));
    show("write(rw, \"self\")", write(rw, "self", 4));
    n = show("read(rw)", read(rw, buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    int r2 = show_fd("open(O_RDONLY) blocking, rw is a writer", open(path, O_RDONLY));
    int w3 = show_fd("open(O_WRONLY|O_NONBLOCK), rw is a reader", open(path, O_WRONLY | O_NONBLOCK));
    show("write(w3, \"lost\")", write(w3, "lost", 4));
    show("close(w3)", close(w3));
    show("close(r2)", close(r2));
    show("close(rw): the last descriptor", close(rw));
    rw = show_fd("open(O_RDWR|O_NONBLOCK) again", open(path, O_RDWR | O_NONBLOCK));
    show("read(rw): the data was dropped", read(rw, buf, sizeof buf));
    show("close(rw)", close(rw));

    printf("-- unlink --\n");
    show("unlink(path)", unlink(path));
    show_fd("open(O_RDONLY|O_NONBLOCK) after unlink", open(path, O_RDONLY | O_NONBLOCK));
    show("unlink(path) again", unlink(path));
    return 0;
}
