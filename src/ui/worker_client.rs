//! The page's side of the engine's Web Worker (`crates/worker`): starts it, sends it requests
//! of the engine protocol as JSON text (a source's bytes beside the request, transferred), and
//! hands each answer to the request with the same id. The worker says `ready` once its wasm has
//! loaded; requests wait for that. A worker that cannot start, or that fails, answers every
//! request waiting and every later one with `Refusal::Unavailable`, in the browser's words.
//!
//! A native engine (`chronoscope serve`) is asked the same way over a WebSocket, once the
//! page has given it its token: text messages as the worker's, and a request or answer with
//! bytes beside it as one binary message.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use chronoscope_protocol::{Answer, Envelope, Read, Refusal, Request};
use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use chronoscope_fetch::js_text;

/// The worker's loader, beside the page's own files (Trunk names it without a hash).
const LOADER: &str = "chronoscope-worker_loader.js";

/// A started worker (or a native engine's connection) and the requests waiting for its
/// answers.
pub struct WorkerClient {
    port: Port,
    next_id: Cell<u64>,
    /// Settles once the worker has said `ready` (or failed).
    ready: Promise,
    /// Each waiting request's id, and what settles it with the message that answers it.
    waiting: Waiting,
    /// The reads waiting (`read`, `read_on`, `read_file`), and what each hands its notices to.
    notices: Notices,
    /// Why the worker cannot answer, once it failed.
    failed: Rc<RefCell<Option<String>>>,
    /// True once its panel closed it.
    closed: Cell<bool>,
    _listeners: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

/// Where requests go: the engine's worker, or a native engine's WebSocket (`chronoscope serve`).
enum Port {
    Worker(web_sys::Worker),
    Socket(web_sys::WebSocket),
}

type Waiting = Rc<RefCell<HashMap<u64, Function>>>;

impl WorkerClient {
    /// Starts the engine's worker: from where `mount()` said its files are
    /// (`__chronoscopeWorker`), or beside the page. A browser that refuses to start it is
    /// `Refusal::Unavailable`, in its own words, which every request is then answered with.
    pub fn start() -> Result<WorkerClient, Refusal> {
        let options = web_sys::WorkerOptions::new();
        options.set_type(web_sys::WorkerType::Module);
        let worker = web_sys::Worker::new_with_options(&loader_url(), &options).map_err(|err| {
            Refusal::Unavailable {
                message: js_text(&err),
            }
        })?;
        let mut client = WorkerClient::around(Port::Worker(worker.clone()));
        let on_error = client.on_failure(|ev| {
            let message = ev.dyn_ref::<web_sys::ErrorEvent>().map(|ev| ev.message());
            format!(
                "the engine's worker failed: {}",
                message.unwrap_or_default()
            )
        });
        worker.set_onmessage(Some(client._listeners[0].as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        client._listeners.push(on_error);
        Ok(client)
    }

    /// Connects to a native engine (`chronoscope serve`) at `address`, a WebSocket on this
    /// machine (`core::link::native_engine`), and gives it `token` first; it then says `ready`
    /// as a worker does. An engine that is not there, or refuses the token or this page, closes
    /// the connection: every request is then refused in words that say which.
    pub fn connect(address: &str, token: String) -> Result<WorkerClient, Refusal> {
        let socket = web_sys::WebSocket::new(address).map_err(|err| Refusal::Unavailable {
            message: js_text(&err),
        })?;
        socket.set_binary_type(web_sys::BinaryType::Arraybuffer);
        let mut client = WorkerClient::around(Port::Socket(socket.clone()));
        let address = address.to_string();
        let on_close = client.on_failure(move |ev| {
            let ev = ev.unchecked_ref::<web_sys::CloseEvent>();
            closed_why(&address, ev.code(), &ev.reason())
        });
        let sending = socket.clone();
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let _ = sending.send_with_str(&token);
        });
        socket.set_onmessage(Some(client._listeners[0].as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        client._listeners.extend([on_close, on_open]);
        Ok(client)
    }

    /// A client of `port` whose first listener hands each message to the request it answers
    /// (a socket's binary message read as `{answer, bytes}` first).
    fn around(port: Port) -> WorkerClient {
        let waiting: Waiting = Rc::default();
        let mut ready_resolve = None;
        let ready = Promise::new(&mut |resolve, _| ready_resolve = Some(resolve));
        // The ready message has id 0, which no request is given.
        if let Some(resolve) = ready_resolve {
            waiting.borrow_mut().insert(0, resolve);
        }
        let notices: Notices = Rc::default();
        let on_message = {
            let waiting = Rc::clone(&waiting);
            let notices = Rc::clone(&notices);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
                let data = unframed(ev.unchecked_into::<web_sys::MessageEvent>().data());
                let id = answer_id(&data);
                if id.is_some_and(|id| was_notice(&notices, id, &data)) {
                    return;
                }
                if let Some(settle) = id.and_then(|id| waiting.borrow_mut().remove(&id)) {
                    let _ = settle.call1(&JsValue::NULL, &data);
                }
            })
        };
        WorkerClient {
            port,
            next_id: Cell::new(1),
            ready,
            waiting,
            notices,
            failed: Rc::default(),
            closed: Cell::new(false),
            _listeners: vec![on_message],
        }
    }

    /// A listener for the event that ends the engine: it keeps why (`why` of the event) and
    /// settles every request waiting, each of which then reads it.
    fn on_failure(
        &self,
        why: impl Fn(&web_sys::Event) -> String + 'static,
    ) -> Closure<dyn FnMut(web_sys::Event)> {
        let (waiting, failed) = (Rc::clone(&self.waiting), Rc::clone(&self.failed));
        Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            failed.borrow_mut().get_or_insert_with(|| why(&ev));
            for (_, settle) in waiting.borrow_mut().drain() {
                let _ = settle.call1(&JsValue::NULL, &JsValue::UNDEFINED);
            }
        })
    }

    /// Asks one request, with bytes beside it where given (transferred: the buffer is the
    /// worker's afterwards), and hands back the answer and any bytes beside it.
    pub async fn ask(
        &self,
        request: Request,
        bytes: Option<Uint8Array>,
    ) -> (Answer, Option<Uint8Array>) {
        let _ = JsFuture::from(self.ready.clone()).await;
        let sent = self.post_request(request, bytes);
        self.answered(sent).await
    }

    /// Asks the worker to read a source itself (`read`, `read_on`, or `read_file` with the
    /// `File` beside it), hands each notice of how far it has come to `noticed`, and gives the
    /// read's last answer.
    pub async fn read(
        &self,
        request: Request,
        file: Option<web_sys::File>,
        noticed: Rc<dyn Fn(Box<Read>)>,
    ) -> Answer {
        let _ = JsFuture::from(self.ready.clone()).await;
        let id = self.next_id.get();
        self.notices.borrow_mut().insert(id, noticed);
        let sent = match file {
            Some(file) => self.post_with_file(request, file),
            None => self.post_request(request, None),
        };
        let answer = self.answered(sent).await.0;
        self.notices.borrow_mut().remove(&id);
        answer
    }

    /// Posts a request with a `File` beside it, `{request, file}`: the worker reads the file.
    fn post_with_file(&self, request: Request, file: web_sys::File) -> Result<Promise, String> {
        let message = js_sys::Object::new();
        let _ = Reflect::set(&message, &"file".into(), &file);
        self.post_request_as(request, move |client, text| {
            Reflect::set(&message, &"request".into(), &JsValue::from_str(text))?;
            client.port.post_file(&message)
        })
    }

    /// What waits for the answer to a request posted (or why it could not be).
    fn answered(
        &self,
        sent: Result<Promise, String>,
    ) -> impl std::future::Future<Output = (Answer, Option<Uint8Array>)> + 'static {
        let failed = Rc::clone(&self.failed);
        let closed = self.closed.get();
        async move {
            // A closed panel's requests are never answered: nothing goes on after it.
            if closed {
                return std::future::pending().await;
            }
            let answered = match sent {
                Ok(answered) => answered,
                Err(why) => return unavailable(why),
            };
            let data = JsFuture::from(answered).await.unwrap_or(JsValue::UNDEFINED);
            if let Some(why) = failed.borrow().clone() {
                return unavailable(why);
            }
            read_answer(&data)
        }
    }

    /// Posts a request with the next id, and gives the promise its answer settles.
    fn post_request(&self, request: Request, bytes: Option<Uint8Array>) -> Result<Promise, String> {
        self.post_request_as(request, |client, text| client.port.post(text, bytes))
    }

    /// Gives a request the next id, has `post` post its text, and gives the promise its answer
    /// settles.
    fn post_request_as(
        &self,
        request: Request,
        post: impl FnOnce(&Self, &str) -> Result<(), JsValue>,
    ) -> Result<Promise, String> {
        if let Some(why) = self.failed.borrow().clone() {
            return Err(why);
        }
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let text = serde_json::to_string(&Envelope::new(id, request))
            .map_err(|err| format!("the request could not be written: {err}"))?;
        let mut settle = None;
        let answered = Promise::new(&mut |resolve, _| settle = Some(resolve));
        if let Some(settle) = settle {
            self.waiting.borrow_mut().insert(id, settle);
        }
        if let Err(err) = post(self, &text) {
            self.waiting.borrow_mut().remove(&id);
            return Err(format!("the request could not be sent: {}", js_text(&err)));
        }
        Ok(answered)
    }

    /// Stops the worker: every request waiting is left unanswered, so that nothing that waits
    /// for an answer goes on once its panel is gone, and later ones are refused.
    pub fn close(&self) {
        self.closed.set(true);
        self.port.stop();
        self.waiting.borrow_mut().clear();
        *self.failed.borrow_mut() = Some("the panel was closed".into());
    }
}

impl Drop for WorkerClient {
    /// A panel that is gone stops its engine.
    fn drop(&mut self) {
        self.port.stop();
    }
}

impl Port {
    /// Posts a request's text, with its bytes beside it where given: to a worker as
    /// `{request, bytes}`, the buffer transferred; to a socket as one binary message, the
    /// text's length in four bytes (big-endian), the text, the bytes.
    fn post(&self, text: &str, bytes: Option<Uint8Array>) -> Result<(), JsValue> {
        match (self, bytes) {
            (Port::Worker(worker), None) => worker.post_message(&JsValue::from_str(text)),
            (Port::Socket(socket), None) => socket.send_with_str(text),
            (Port::Worker(worker), Some(bytes)) => {
                let buffer = own_buffer(&bytes);
                let message = js_sys::Object::new();
                Reflect::set(&message, &"request".into(), &JsValue::from_str(text))?;
                Reflect::set(&message, &"bytes".into(), &buffer)?;
                worker.post_message_with_transfer(&message, &Array::of1(&buffer))
            }
            (Port::Socket(socket), Some(bytes)) => {
                let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
                let frame = Uint8Array::new_with_length(4 + len + bytes.length());
                frame.set(&Uint8Array::from(&len.to_be_bytes()[..]), 0);
                frame.set(&Uint8Array::from(text.as_bytes()), 4);
                frame.set(&bytes, 4 + len);
                socket.send_with_array_buffer_view(&frame)
            }
        }
    }

    /// Posts `{request, file}` for the worker to read the file; a native engine reads only the
    /// sources it was started with.
    fn post_file(&self, message: &js_sys::Object) -> Result<(), JsValue> {
        match self {
            Port::Worker(worker) => worker.post_message(message),
            Port::Socket(_) => Err(JsValue::from_str(
                "the native engine reads the sources it was started with, not this page's files",
            )),
        }
    }

    fn stop(&self) {
        match self {
            Port::Worker(worker) => worker.terminate(),
            Port::Socket(socket) => {
                let _ = socket.close();
            }
        }
    }
}

/// The buffer a view's bytes are sent in: its own, where it spans all of it, else a copy.
fn own_buffer(bytes: &Uint8Array) -> js_sys::ArrayBuffer {
    match bytes.byte_offset() == 0 && bytes.byte_length() == bytes.buffer().byte_length() {
        true => bytes.buffer(),
        false => Uint8Array::new(bytes).buffer(),
    }
}

/// A socket's binary message (`chronoscope_protocol::frame`: the answer's length in four bytes,
/// the answer, its bytes) as a worker's `{answer, bytes}`; any other message as it came. Read
/// here in JavaScript's memory, so that the bytes are not copied into the panel's.
fn unframed(data: JsValue) -> JsValue {
    let Some(buffer) = data.dyn_ref::<js_sys::ArrayBuffer>() else {
        return data;
    };
    let all = Uint8Array::new(buffer);
    let mut head = [0u8; 4];
    if all.length() < 4 {
        return data;
    }
    all.subarray(0, 4).copy_to(&mut head);
    let len = u32::from_be_bytes(head);
    let end = 4u32.saturating_add(len);
    let Some(text) = (end <= all.length())
        .then(|| String::from_utf8(all.subarray(4, end).to_vec()).ok())
        .flatten()
    else {
        return data;
    };
    let message = js_sys::Object::new();
    let _ = Reflect::set(&message, &"answer".into(), &JsValue::from_str(&text));
    let _ = Reflect::set(&message, &"bytes".into(), &buffer.slice(end));
    message.into()
}

/// Why a native engine's connection closed, in words that say what to do.
fn closed_why(address: &str, code: u16, reason: &str) -> String {
    match (code, reason) {
        (1008, reason) => format!("the engine at {address} refused: {reason}"),
        (_, "") => format!(
            "no engine let this page in at {address}: is `chronoscope serve` running there, and \
             does it allow this page's origin (--origin)?"
        ),
        (_, reason) => format!("the engine at {address} closed the connection: {reason}"),
    }
}

/// The reads waiting for their last answers, by id, and what each hands its notices to.
type Notices = Rc<RefCell<HashMap<u64, Rc<dyn Fn(Box<Read>)>>>>;

/// Hands a read's notice (a `read` answer that is not its last) to what waits for it; false
/// for any other message.
fn was_notice(notices: &Notices, id: u64, data: &JsValue) -> bool {
    let Some(noticed) = notices.borrow().get(&id).cloned() else {
        return false;
    };
    match read_answer(data).0 {
        Answer::Read(read) if !read.done => {
            noticed(read);
            true
        }
        _ => false,
    }
}

/// The loader's address: where `mount()` said, else beside the page.
fn loader_url() -> String {
    let given = Reflect::get(&js_sys::global(), &"__chronoscopeWorker".into())
        .ok()
        .and_then(|v| v.as_string());
    given.unwrap_or_else(|| LOADER.to_string())
}

/// The id a message from the worker answers: its JSON text's, or its `answer` text's.
fn answer_id(data: &JsValue) -> Option<u64> {
    let text = answer_text(data)?;
    // The body is left as written: only the id is read here.
    let envelope: Envelope<Box<serde_json::value::RawValue>> = serde_json::from_str(&text).ok()?;
    Some(envelope.id)
}

/// A message's answer text: the message itself, or its `answer` beside bytes.
fn answer_text(data: &JsValue) -> Option<String> {
    data.as_string().or_else(|| {
        Reflect::get(data, &"answer".into())
            .ok()
            .and_then(|a| a.as_string())
    })
}

/// The answer a message holds, and its bytes where some came beside it.
fn read_answer(data: &JsValue) -> (Answer, Option<Uint8Array>) {
    let Some(text) = answer_text(data) else {
        return unavailable("the worker sent a message that is not an answer".into());
    };
    let answer = match serde_json::from_str::<Envelope<Answer>>(&text) {
        Ok(envelope) => envelope.body,
        Err(err) => return unavailable(format!("the worker's answer could not be read: {err}")),
    };
    let bytes = Reflect::get(data, &"bytes".into())
        .ok()
        .filter(|b| b.is_instance_of::<js_sys::ArrayBuffer>())
        // Kept in JavaScript: a file's bytes go to the download as they came, never copied
        // into the panel's memory (a 500,000-row CSV is 30 MB).
        .map(|b| Uint8Array::new(&b));
    (answer, bytes)
}

fn unavailable(message: String) -> (Answer, Option<Uint8Array>) {
    (Answer::Refused(Refusal::Unavailable { message }), None)
}
