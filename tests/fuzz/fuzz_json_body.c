/*
 * fuzz_json_body — JSON request bodies of API routes through the real
 * server (see fuzz_http.h): src/http/server.c's body intake and jansson
 * parsing (duplicate keys refused, only objects), then kj_validate_inputs
 * turning JSON scalars and arrays into the declared field types.
 *
 * Input: the body of "POST /api/f" (or PATCH, by the first byte's low bit:
 * the body is the whole input either way) as application/json.
 */
#include "fuzz_http.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_http_start();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 60 * 1024) return 0;
    kj_buf head = { 0 };
    kj_buf_printf(&head, "%s /api/f HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n"
                         "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                  size && (data[0] & 1) ? "PATCH" : "POST", size);
    fuzz_http_send(head.data, head.len, (const char *)data, size);
    kj_buf_free(&head);
    return 0;
}
