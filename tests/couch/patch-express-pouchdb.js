console.log("patch placeholder")
