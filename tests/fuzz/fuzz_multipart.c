/*
 * fuzz_multipart — multipart/form-data bodies (form fields and file
 * uploads) through the real server (see fuzz_http.h): libmicrohttpd's post
 * processor feeding src/http/server.c's field accumulation, then
 * kj_validate_inputs.
 *
 * Input: the body of "POST /f" with boundary "XyZ" (seeds in
 * corpus/multipart show the framing). Byte-exact Content-Length.
 */
#include "fuzz_http.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_http_start();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 200 * 1024) return 0;
    kj_buf head = { 0 };
    kj_buf_printf(&head, "POST /f HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n"
                         "Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: %zu\r\n\r\n", size);
    fuzz_http_send(head.data, head.len, (const char *)data, size);
    kj_buf_free(&head);
    return 0;
}
